/**
 * Output renderers: each turns the pack model into files. The build calls every registered renderer; adding an output
 * format means adding one module and one line here, never touching the pipeline.
 */
import type { Knowledge } from '../knowledge/load.js';
import type { PackDocument } from '../pack/pack.js';
import type { PackOverview, RunDocument } from '../build.js';
import { renderPackReadme } from './markdown/pack-readme.js';
import { renderIndex } from './markdown/index-page.js';
import { renderSentinelContent } from './sentinel/content.js';
import { renderStix } from './stix/bundle.js';
import { watchlistCsv, watchlistCsvChunks } from '../pack/limits.js';
import { htmlRenderer } from './html/renderer.js';
import { jsonLinesChunks } from './display.js';
import { iocsCsvChunks } from './csv/iocs.js';

/** A file to write, at a POSIX path relative to the family folder (pack renderers) or the output folder (run renderers). */
export interface Artifact {
  readonly path: string;
  /** The text, or its chunks in order (big files are rendered and written piece by piece, never held whole). */
  readonly content: string | Iterable<string>;
}

/** An artifact's whole text. */
export function artifactText(content: Artifact['content']): string {
  return typeof content === 'string' ? content : [...content].join('');
}

export interface Renderer {
  readonly id: string;
  /** Files of one family's pack (relative to `DIR/<family>/`). */
  renderPack?(k: Knowledge, pack: PackDocument): Artifact[];
  /** Files of the whole build (relative to `DIR/`). */
  renderRun?(k: Knowledge, run: RunDocument, packs: readonly PackOverview[]): Artifact[];
}

const markdown: Renderer = {
  id: 'markdown',
  renderPack: (k, pack) => [{ path: 'README.md', content: renderPackReadme(k, pack) }],
  renderRun: (k, run, packs) => [{ path: 'index.md', content: renderIndex(k, run, packs) }],
};

const json: Renderer = {
  id: 'json',
  renderPack: (_k, pack) => [
    { path: 'pack.json', content: jsonLinesChunks(pack, ['iocs', 'excluded']) },
    { path: 'iocs.csv', content: iocsCsvChunks(pack) },
  ],
  renderRun: (_k, run) => [{ path: 'run.json', content: JSON.stringify(run, null, 2) + '\n' }],
};

const kql: Renderer = {
  id: 'kql',
  renderPack: (_k, pack) => pack.queries.map((q) => ({ path: q.file, content: q.kql })),
};

const watchlists: Renderer = {
  id: 'watchlists',
  renderPack: (_k, pack) => pack.watchlists.map((w) => ({ path: w.file, content: watchlistCsvChunks(pack.huntSets[w.set]!) })),
};

const sentinelContent: Renderer = {
  id: 'sentinel-content',
  renderPack: (k, pack) =>
    renderSentinelContent(k, pack, (file) => {
      const w = pack.watchlists.find((x) => x.file === file);
      return w ? watchlistCsv(pack.huntSets[w.set]!) : undefined;
    }),
};

const stix: Renderer = { id: 'stix', renderPack: (k, pack) => renderStix(k, pack, pack.lifecycle.ttlDays) };

/** Every renderer, in output order. */
export const RENDERERS: readonly Renderer[] = [json, markdown, kql, watchlists, sentinelContent, stix, htmlRenderer];
