/**
 * Loads the knowledge files under data/ and checks them with valibot at this edge.
 * Code only loads and checks; facts live in the files.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as v from 'valibot';
import { parse as parseYaml } from 'yaml';
import { IOC_TYPES } from '../model/ioc.js';
import type { Predicate } from '../hunt/ir.js';

/** The project's data folder (src/knowledge → ../../data, same from dist/knowledge). */
export const DATA_DIR = fileURLToPath(new URL('../../data/', import.meta.url));

const IocTypeSchema = v.picklist(IOC_TYPES);

const PredicateSchema: v.GenericSchema<Predicate> = v.lazy(() =>
  v.variant('kind', [
    v.strictObject({
      kind: v.literal('equals-any'),
      column: v.string(),
      set: v.optional(v.string()),
      values: v.optional(v.array(v.string())),
    }),
    v.strictObject({ kind: v.literal('starts-with-any'), column: v.string(), values: v.array(v.string()) }),
    v.strictObject({
      kind: v.literal('host-in-domains'),
      columns: v.pipe(v.array(v.strictObject({ column: v.string(), source: v.picklist(['url', 'fqdn']) })), v.minLength(1)),
      set: v.string(),
    }),
    v.strictObject({ kind: v.literal('url-equals-any'), column: v.string(), set: v.string() }),
    v.strictObject({ kind: v.literal('ip-in'), column: v.string(), set: v.string() }),
    v.strictObject({ kind: v.literal('ip-port-in'), ipColumn: v.string(), portColumn: v.string(), set: v.string() }),
    v.strictObject({ kind: v.literal('contains-any'), column: v.string(), values: v.array(v.string()) }),
    v.strictObject({ kind: v.literal('any'), of: v.array(PredicateSchema) }),
    v.strictObject({ kind: v.literal('all'), of: v.array(PredicateSchema) }),
  ]),
) as v.GenericSchema<Predicate>;

const DialectSchema = v.strictObject({
  label: v.string(),
  folder: v.string(),
  timeColumn: v.string(),
  tables: v.union([v.literal('all'), v.array(v.string())]),
  functions: v.boolean(),
  renameColumns: v.optional(v.record(v.string(), v.string())),
  dropColumns: v.optional(v.array(v.string())),
  dropColumnPrefixes: v.optional(v.array(v.string())),
  /** Columns a custom detection rule needs; added to the projection wherever the table has them. */
  detectionColumns: v.optional(v.array(v.string())),
});
const DialectsSchema = v.strictObject({ sentinel: DialectSchema, defender: DialectSchema });
export type DialectData = v.InferOutput<typeof DialectSchema>;

const TableInfoSchema = v.strictObject({
  /** For an ASIM parser: the table whose columns it returns. */
  schemaTable: v.optional(v.string()),
  connectorId: v.string(),
  connector: v.string(),
  note: v.string(),
  project: v.array(v.string()),
  /** Analytics-rule entity mappings: entity type and identifier → column. */
  entities: v.optional(
    v.array(v.strictObject({ entity: v.picklist(['Host', 'IP', 'DNS', 'URL', 'FileHash', 'Account']), fields: v.record(v.string(), v.string()) })),
  ),
});
export type TableInfo = v.InferOutput<typeof TableInfoSchema>;

const HuntEntrySchema = v.strictObject({
  id: v.pipe(v.string(), v.regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)),
  table: v.string(),
  iocTypes: v.pipe(v.array(IocTypeSchema), v.minLength(1)),
  confidence: v.picklist(['high', 'medium', 'low']),
  /** Written without --tables all? (default true) */
  default: v.optional(v.boolean()),
  /** An ASIM hunt, written only with --asim. */
  asim: v.optional(v.boolean()),
  function: v.optional(
    v.strictObject({
      name: v.string(),
      args: v.array(
        v.variant('kind', [
          v.strictObject({ name: v.string(), kind: v.literal('lookback') }),
          v.strictObject({ name: v.string(), kind: v.literal('values'), set: v.string(), derive: v.optional(v.picklist(['url-hosts', 'ipv4-only'])) }),
        ]),
      ),
    }),
  ),
  title: v.string(),
  description: v.string(),
  where: v.pipe(v.array(PredicateSchema), v.minLength(1)),
});
export type HuntEntry = v.InferOutput<typeof HuntEntrySchema>;

const FalsePositiveSchema = v.strictObject({
  id: v.pipe(v.string(), v.regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)),
  scenario: v.string(),
  description: v.string(),
  iocTypes: v.pipe(v.array(IocTypeSchema), v.minLength(1)),
  exclusions: v.record(v.string(), PredicateSchema),
});
export type FalsePositiveScenario = v.InferOutput<typeof FalsePositiveSchema>;

const AttackSchema = v.strictObject({
  id: v.pipe(v.string(), v.regex(/^T\d{4}(\.\d{3})?$/)),
  name: v.string(),
});
const FamilySchema = v.strictObject({
  id: v.string(),
  name: v.string(),
  aliases: v.array(v.string()),
  kind: v.string(),
  summary: v.string(),
  typicalIocTypes: v.array(IocTypeSchema),
  attack: v.array(AttackSchema),
  huntingNotes: v.array(v.string()),
  references: v.array(v.strictObject({ title: v.string(), url: v.pipe(v.string(), v.url()) })),
  reviewed: v.boolean(),
});
export type FamilyProfile = v.InferOutput<typeof FamilySchema>;

const ThreatTypeSchema = v.strictObject({
  threatType: v.string(),
  label: v.string(),
  meaning: v.string(),
  attack: v.array(AttackSchema),
  huntAdvice: v.string(),
});
export type ThreatTypeProfile = v.InferOutput<typeof ThreatTypeSchema>;

const IocTypeInfoSchema = v.strictObject({ label: v.string(), plural: v.string(), unhunted: v.optional(v.string()) });
export type IocTypeInfo = v.InferOutput<typeof IocTypeInfoSchema>;
const IocTypesSchema = v.pipe(
  v.record(IocTypeSchema, IocTypeInfoSchema),
  v.check((r) => IOC_TYPES.every((t) => t in r), 'every IOC type needs an entry'),
);

const AttackDataSchema = v.strictObject({
  techniques: v.record(v.pipe(v.string(), v.regex(/^T\d{4}(\.\d{3})?$/)), v.array(v.string())),
  iocClassTactics: v.strictObject({ network: v.array(v.string()), file: v.array(v.string()), email: v.array(v.string()) }),
});
export type AttackData = v.InferOutput<typeof AttackDataSchema>;

const ColumnsSchema = v.record(v.string(), v.array(v.strictObject({ name: v.string(), type: v.string() })));
const FunctionsSchema = v.record(v.string(), v.union([v.string(), v.strictObject({ params: v.string(), body: v.string() })]));

/** Everything huntpack knows, loaded once. */
export interface Knowledge {
  readonly dialects: Readonly<Record<'sentinel' | 'defender', DialectData>>;
  readonly tableColumns: Readonly<Record<string, readonly { name: string; type: string }[]>>;
  readonly functions: readonly { name: string; params: string; body: string }[];
  readonly tables: Readonly<Record<string, TableInfo>>;
  readonly hunts: readonly HuntEntry[];
  readonly falsePositives: readonly FalsePositiveScenario[];
  readonly families: ReadonlyMap<string, FamilyProfile>;
  readonly threatTypes: readonly ThreatTypeProfile[];
  readonly iocTypes: Readonly<Record<string, IocTypeInfo>>;
  readonly attack: AttackData;
}

/** Parse one knowledge file with its schema; a failure names the file and the path inside it. */
export function checkData<T extends v.GenericSchema>(schema: T, data: unknown, file: string): v.InferOutput<T> {
  const result = v.safeParse(schema, data);
  if (!result.success) {
    const first = result.issues[0];
    const path = first?.path?.map((p) => String(p.key)).join('.') ?? '';
    throw new Error(`${file}: invalid knowledge data at ${path || '(root)'}: ${first?.message ?? 'unknown problem'}`);
  }
  return result.output;
}

function readData(rel: string): unknown {
  const text = readFileSync(DATA_DIR + rel, 'utf8');
  return rel.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
}

let cached: Knowledge | undefined;

/** Load and check every knowledge file (cached per process). */
export function loadKnowledge(): Knowledge {
  if (cached) return cached;
  const dialects = checkData(DialectsSchema, readData('dialects.yaml'), 'data/dialects.yaml');
  const tableColumns = checkData(ColumnsSchema, readData('schemas/sentinel-tables.json'), 'data/schemas/sentinel-tables.json');
  const fnData = checkData(FunctionsSchema, readData('schemas/asim-functions.json'), 'data/schemas/asim-functions.json');
  const functions = Object.entries(fnData)
    .filter((e): e is [string, { params: string; body: string }] => typeof e[1] !== 'string')
    .map(([name, f]) => ({ name, params: f.params, body: f.body }));
  const tables = checkData(v.record(v.string(), TableInfoSchema), readData('tables.yaml'), 'data/tables.yaml');
  const hunts = checkData(v.array(HuntEntrySchema), readData('hunts.yaml'), 'data/hunts.yaml');
  const falsePositives = checkData(v.array(FalsePositiveSchema), readData('false-positives.yaml'), 'data/false-positives.yaml');
  const families = new Map<string, FamilyProfile>();
  const famDir = DATA_DIR + 'families/';
  if (existsSync(famDir)) {
    for (const name of readdirSync(famDir).filter((n) => n.endsWith('.yaml')).sort()) {
      const profile = checkData(FamilySchema, readData('families/' + name), `data/families/${name}`);
      families.set(profile.id, profile);
    }
  }
  const threatTypes = existsSync(DATA_DIR + 'threat-types.yaml')
    ? checkData(v.array(ThreatTypeSchema), readData('threat-types.yaml'), 'data/threat-types.yaml')
    : [];
  const iocTypes = checkData(IocTypesSchema, readData('ioc-types.yaml'), 'data/ioc-types.yaml');
  const attack = checkData(AttackDataSchema, readData('attack.yaml'), 'data/attack.yaml');
  cached = { dialects, tableColumns, functions, tables, hunts, falsePositives, families, threatTypes, iocTypes, attack };
  return cached;
}
