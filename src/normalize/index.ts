/**
 * Normalisation layer: value validators, record normalisation and family grouping.
 */
export { normalizeDomain } from './domain.js';
export { normalizeEmail } from './email.js';
export { normalizeTimestamp } from './date.js';
export { parseAliases, parseConfidence, parseFlag, parseTags } from './fields.js';
export { normalizeHash, HASH_LENGTHS, type HashType } from './hash.js';
export { formatIpPort, isStrictIPv4, normalizeIp, parseIpPort, parsePort, type IpAddress, type IpEndpoint } from './ip.js';
export { familyOf, normalizeRecord, THREATFOX_IOC_TYPES, type NormalizedRecord, type RawRecord, type RecordOutcome, type RecordRejection } from './record.js';
export { compareIocs, groupByFamily, type FamilyIocs, type FamilyRecord } from './group.js';
export { compareCodePoints, oneLine, uniqueSorted, uniqueSortedCaseInsensitive, type Result } from './text.js';
export { joinUrl, normalizeUrl, normalizeUrlHost, splitUrl, type UrlParts } from './url.js';
