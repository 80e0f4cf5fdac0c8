/**
 * The shape of a query: string literals emptied and runs of list lines collapsed. Parsing and binding do not depend on
 * a literal's content (escaping is tested on its own), so queries of one shape validate alike: the parts of a split
 * hunt, or the same hunt across families, are analysed once.
 */
export function queryShape(kql: string): string {
  return kql
    .replace(/^\/\/.*$/gm, '//')
    .replace(/"(?:[^"\\\n]|\\.)*"/g, '""')
    .replace(/(\n    "", \d+,?)+/g, '\n    "", 0')
    .replace(/(\n    ""(?:,)?)+/g, '\n    ""');
}
