/// <reference path="../../node_modules/@kusto/language-service-next/Kusto.Language.Bridge.d.ts" />
/**
 * The only module that touches Microsoft's Kusto.Language (npm `@kusto/language-service-next`, pinned).
 * It loads the Bridge.NET runtime once per process (or worker), patches a quadratic slowdown, and exposes
 * plain functions over plain data: build a schema state once, analyse many queries against it.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A column of a table schema. */
export interface ColumnSchema {
  readonly name: string;
  /** Kusto scalar type: string, int, long, real, bool, datetime, dynamic, guid, timespan. */
  readonly type: string;
}

/** A declared function (ASIM parser, `_GetWatchlist`): parameter list and a body in braces. */
export interface FunctionSchema {
  readonly name: string;
  readonly params: string;
  readonly body: string;
}

/** The database a query is bound against. */
export interface KustoSchema {
  readonly tables: Readonly<Record<string, readonly ColumnSchema[]>>;
  readonly functions: readonly FunctionSchema[];
}

/** One diagnostic, 1-based line and column. */
export interface KqlDiagnostic {
  readonly code: string;
  readonly severity: 'error' | 'warning' | 'suggestion' | 'information';
  readonly message: string;
  readonly line: number;
  readonly column: number;
}

type KustoLanguage = typeof Kusto.Language;
let kustoLanguage: KustoLanguage | undefined;

/** Load the Bridge runtime and the library (once), then install the linear `ToString$1`. */
function loadKusto(): KustoLanguage {
  if (kustoLanguage) return kustoLanguage;
  require('@kusto/language-service-next/bridge.min.js');
  require('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
  const lang = (globalThis as unknown as { Kusto: typeof Kusto }).Kusto.Language;
  patchQuadraticToString(lang);
  kustoLanguage = lang;
  return lang;
}

/** The `maxLength` value Kusto.Language passes when no cap is wanted (C# `int.MaxValue`). */
const UNBOUNDED = 2147483647;

interface PatchableElement {
  TriviaStart: number;
  WalkTokens(action: (token: { Write(builder: unknown, includeTrivia: unknown, start: number): void }) => void): void;
  ToString$1(includeTrivia: unknown, maxLength: number): string;
}

/**
 * Kusto.Language binds `let x = dynamic([...])` by printing the literal with `SyntaxElement.ToString$1`, which asks the Bridge
 * StringBuilder for its length after every token; Bridge recomputes that length by joining the whole buffer, so a 20,000-item list
 * costs O(n²) (~12 s). When no cap is requested the length checks are pointless: write every token, join once. Same text, linear time.
 * Capped calls keep the original. Throws at load if the private method is gone, so an upgrade cannot silently lose the fix.
 */
function patchQuadraticToString(lang: KustoLanguage): void {
  const proto = (lang.Syntax.SyntaxElement as unknown as { prototype: PatchableElement }).prototype;
  const original = proto.ToString$1;
  if (typeof original !== 'function' || typeof proto.WalkTokens !== 'function') {
    throw new Error('Kusto.Language changed: SyntaxElement.ToString$1/WalkTokens not found; review src/validate/kusto.ts');
  }
  const StringBuilder = (globalThis as unknown as { System: { Text: { StringBuilder: new () => { toString(): string } } } }).System.Text
    .StringBuilder;
  proto.ToString$1 = function (this: PatchableElement, includeTrivia: unknown, maxLength: number): string {
    if (maxLength < UNBOUNDED) return original.call(this, includeTrivia, maxLength);
    const builder = new StringBuilder();
    const start = this.TriviaStart;
    this.WalkTokens((token) => token.Write(builder, includeTrivia, start));
    return builder.toString();
  };
  (proto as unknown as { __huntpackOriginalToString: unknown }).__huntpackOriginalToString = original;
}

/** Escape a column or table name for a Kusto schema string when it is not a plain identifier. */
function schemaName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `['${name.replace(/'/g, "\\'")}']`;
}

/** A reusable analyser bound to one schema. Building it costs ~0.2 s; analysing a query a few ms. */
export interface KqlAnalyzer {
  analyze(query: string): KqlDiagnostic[];
  /** The string values of every string literal in `query`, in order (used by escaping tests). */
  stringLiterals(query: string): string[];
}

/** Build an analyser for a schema. */
export function createAnalyzer(schema: KustoSchema): KqlAnalyzer {
  const lang = loadKusto();
  const members: unknown[] = [];
  for (const [table, columns] of Object.entries(schema.tables)) {
    const text = `(${columns.map((c) => `${schemaName(c.name)}:${c.type}`).join(', ')})`;
    members.push(new lang.Symbols.TableSymbol.$ctor7(table, text, ''));
  }
  for (const fn of schema.functions) {
    members.push(new lang.Symbols.FunctionSymbol.$ctor16(fn.name, fn.params, fn.body, ''));
  }
  const db = new lang.Symbols.DatabaseSymbol.$ctor1('huntpack', members as never, false);
  const globals = lang.GlobalState.Default!.WithDatabase(db);

  return {
    analyze(query: string): KqlDiagnostic[] {
      const code = lang.KustoCode.ParseAndAnalyze(query, globals)!;
      const list = code.GetDiagnostics()!;
      const out: KqlDiagnostic[] = [];
      for (let i = 0; i < list.Count; i++) {
        const d = list.getItem(i);
        const line = { v: 0 };
        const column = { v: 0 };
        code.TryGetLineAndOffset(d.Start, line, column);
        out.push({
          code: String(d.Code),
          severity: String(d.Severity).toLowerCase() as KqlDiagnostic['severity'],
          message: String(d.Message),
          line: line.v,
          column: column.v,
        });
      }
      return out;
    },
    stringLiterals(query: string): string[] {
      const code = lang.KustoCode.Parse(query, globals)!;
      const values: string[] = [];
      code.Syntax!.WalkElements((e: Kusto.Language.Syntax.SyntaxElement) => {
        if (e.Kind === lang.Syntax.SyntaxKind.StringLiteralExpression) {
          values.push(String((e as unknown as { LiteralValue: unknown }).LiteralValue));
        }
      });
      return values;
    },
  };
}

/** For tests: the unpatched `ToString$1`, to compare outputs. */
export function originalToString(element: unknown, includeTrivia: unknown, maxLength: number): string {
  loadKusto();
  const proto = (kustoLanguage!.Syntax.SyntaxElement as unknown as { prototype: { __huntpackOriginalToString: PatchableElement['ToString$1'] } })
    .prototype;
  return proto.__huntpackOriginalToString.call(element as never, includeTrivia, maxLength);
}
