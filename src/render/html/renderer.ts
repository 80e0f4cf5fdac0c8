/**
 * The HTML renderer: `report.html` in each family folder and `index.html` in the output folder. Registered in
 * src/render/registry.ts.
 */
import type { Renderer } from '../registry.js';
import { renderPackHtml } from './pack-page.js';
import { renderIndexHtml } from './index-page.js';

export const htmlRenderer: Renderer = {
  id: 'html',
  renderPack: (k, pack) => [{ path: 'report.html', content: renderPackHtml(k, pack) }],
  renderRun: (k, run, packs) => [{ path: 'index.html', content: renderIndexHtml(k, run, packs) }],
};
