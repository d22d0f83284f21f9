// Bundles src/page.js (every page but the sheet page) and src/sheet.js (the
// sheet page, with Handsontable and its CSS) into
// static/gridroom/dist/ as ES modules, and copies htmx next to them.
// `node build.mjs --watch` rebuilds on change.
import { build, context } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, 'static', 'gridroom', 'dist');
const watch = process.argv.includes('--watch');

const options = {
  absWorkingDir: here,
  entryPoints: { page: 'src/page.js', sheet: 'src/sheet.js' },
  outdir,
  bundle: true,
  format: 'esm',
  splitting: false, // one file per page: no chunk imports for the manifest storage to rewrite
  minify: true,
  sourcemap: true,
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  legalComments: 'eof',
  logLevel: 'info',
};

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });
await copyFile(join(here, 'node_modules', 'htmx.org', 'dist', 'htmx.min.js'), join(outdir, 'htmx.js'));

if (watch) {
  const ctx = await context(options);
  await ctx.watch();
} else {
  await build(options);
}
