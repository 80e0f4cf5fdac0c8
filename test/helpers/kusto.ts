/** One analyser per platform for the whole test process (building one costs ~0.5 s). */
import { loadKnowledge } from '../../src/knowledge/load.js';
import { platformSchema } from '../../src/knowledge/catalog.js';
import { createAnalyzer, type KqlAnalyzer } from '../../src/validate/kusto.js';
import type { Platform } from '../../src/hunt/ir.js';

const analyzers = new Map<Platform, KqlAnalyzer>();

export function analyzerFor(platform: Platform): KqlAnalyzer {
  let a = analyzers.get(platform);
  if (!a) {
    a = createAnalyzer(platformSchema(loadKnowledge(), platform));
    analyzers.set(platform, a);
  }
  return a;
}

/** Error diagnostics of a query as `line:col code message` strings (empty = valid). */
export function kqlErrors(platform: Platform, query: string): string[] {
  return analyzerFor(platform)
    .analyze(query)
    .filter((d) => d.severity === 'error')
    .map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`);
}
