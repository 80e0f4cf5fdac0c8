/**
 * A family worker of a parallel build (see src/build-pool.ts): receives one family's spill file at a time, builds its
 * pack with the same {@link processFamily} as the main thread, writes its files into the build's temporary folder and
 * replies with the family's result and the queries of shapes it has not sent before (for the build's validator).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadKnowledge } from './knowledge/load.js';
import { loadWarninglists } from './knowledge/warninglists.js';
import { readAllowlist } from './knowledge/allowlist.js';
import { FolderWriter } from './pack/output.js';
import type { PackQuery } from './pack/pack.js';
import { processFamily, spilledSource, type FamilyContext } from './family.js';
import { queryShape } from './validate/shape.js';
import type { FamilyJob, FamilyJobReply, FamilyWorkerData } from './build-pool.js';

if (parentPort) {
  const port = parentPort;
  const data = workerData as FamilyWorkerData;
  const ctx: FamilyContext = {
    k: loadKnowledge(),
    lists: data.settings.warninglists ? loadWarninglists() : undefined,
    allowlists: data.settings.allowlists.map(readAllowlist),
    settings: data.settings,
    collectBetweenStages: true,
  };
  const writer = new FolderWriter(data.tmpDir);
  const sent = new Set<string>();
  const build = async (job: FamilyJob): Promise<FamilyJobReply> => {
    const queries: PackQuery[] = [];
    const result = await processFamily(
      ctx,
      job.slug,
      spilledSource(job.file),
      {
        check(doc) {
          if (!data.validate) return;
          for (const q of doc.queries) {
            const shape = `${q.platform}\n${queryShape(q.kql)}`;
            if (sent.has(shape)) continue;
            sent.add(shape);
            queries.push(q);
          }
        },
        write(_doc, files) {
          for (const f of files) writer.write(f.path, f.content);
        },
      },
    );
    return { index: job.index, result, queries };
  };
  port.on('message', (job: FamilyJob) => {
    build(job).then(
      (reply) => port.postMessage(reply),
      (error: unknown) => {
        const e = error instanceof Error ? error : new Error(String(error));
        port.postMessage({ index: job.index, error: { name: e.name, message: e.message } } satisfies FamilyJobReply);
      },
    );
  });
}
