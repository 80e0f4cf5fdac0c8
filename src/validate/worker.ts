/**
 * Kusto validation in a worker thread: Kusto.Language takes seconds to load and bind its global state, so `huntpack
 * build` starts this worker first and keeps reading the feed on the main thread meanwhile. Messages in: `{ id, platform,
 * kql }`; out: `{ id, errors }` (diagnostics of severity error).
 */
import { parentPort } from 'node:worker_threads';
import { loadKnowledge } from '../knowledge/load.js';
import { platformSchema } from '../knowledge/catalog.js';
import type { Platform } from '../hunt/ir.js';
import { createAnalyzer, type KqlAnalyzer, type KqlDiagnostic } from './kusto.js';

export interface ValidateRequest {
  readonly id: number;
  readonly platform: Platform;
  readonly kql: string;
}

export interface ValidateResponse {
  readonly id: number;
  readonly errors: readonly KqlDiagnostic[];
  /** Set when the worker itself failed (the build reports it and stops). */
  readonly failure?: string;
}

if (parentPort) {
  const port = parentPort;
  const k = loadKnowledge();
  const analyzers = new Map<Platform, KqlAnalyzer>();
  const analyzer = (platform: Platform): KqlAnalyzer => {
    let a = analyzers.get(platform);
    if (!a) {
      a = createAnalyzer(platformSchema(k, platform));
      analyzers.set(platform, a);
    }
    return a;
  };
  // Warm up both platforms before the first query arrives: the start-up cost overlaps the feed reading.
  for (const p of ['sentinel', 'defender'] as const) analyzer(p);
  port.on('message', (req: ValidateRequest) => {
    try {
      const errors = analyzer(req.platform)
        .analyze(req.kql)
        .filter((d) => d.severity === 'error');
      port.postMessage({ id: req.id, errors } satisfies ValidateResponse);
    } catch (error) {
      port.postMessage({ id: req.id, errors: [], failure: String((error as Error).message ?? error) } satisfies ValidateResponse);
    }
  });
}
