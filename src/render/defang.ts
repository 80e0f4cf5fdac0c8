/**
 * Defanged display of IOC values (`hxxps://evil[.]com/x`, `1.2.3[.]4`), so a pasted or rendered value is never a live link.
 */
import type { Ioc } from '../model/ioc.js';

function defangHost(host: string): string {
  return host.replace(/\./g, '[.]');
}

/** The display form of an IOC value. Hashes are shown as they are. */
export function defang(ioc: Pick<Ioc, 'type' | 'value' | 'port'>): string {
  switch (ioc.type) {
    case 'domain':
      return defangHost(ioc.value);
    case 'ipv4':
      return defangHost(ioc.value) + (ioc.port !== undefined ? `:${ioc.port}` : '');
    case 'ipv6':
      return ioc.port !== undefined ? `[${ioc.value}]:${ioc.port}` : ioc.value;
    case 'email': {
      const at = ioc.value.lastIndexOf('@');
      return at < 0 ? defangHost(ioc.value) : `${ioc.value.slice(0, at)}[@]${defangHost(ioc.value.slice(at + 1))}`;
    }
    case 'url': {
      const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/is.exec(ioc.value);
      if (!m) return defangHost(ioc.value);
      const scheme = m[1]!.replace(/^http/i, 'hxxp').replace(/^ftp/i, 'fxp');
      // Characters that are markup elsewhere are shown percent-encoded, which is the same URL.
      const rest = m[3]!.replace(/[<>"`\s]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
      return `${scheme}://${defangHost(m[2]!)}${rest}`;
    }
    default:
      return ioc.value;
  }
}
