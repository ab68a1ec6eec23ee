// Writes a brotli (.br, quality 11) and a gzip (.gz, level 9) copy beside every built
// wasm, JS and CSS file of the site, so the server sends them compressed without
// compressing on each request. Leaves up-to-date copies alone; prints the sizes.
//   node scripts/precompress.mjs [site dir, default target/site]
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const root = process.argv[2] ?? 'target/site';
const wanted = /\.(wasm|js|css|svg|json)$/;

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (wanted.test(entry.name)) yield path;
  }
}

const fresh = (copy, source) => {
  try {
    return statSync(copy).mtimeMs >= statSync(source).mtimeMs;
  } catch {
    return false;
  }
};

// Written aside, then renamed: a server reading the site meanwhile never sees half a file.
const put = (path, bytes) => {
  writeFileSync(`${path}.tmp`, bytes);
  renameSync(`${path}.tmp`, path);
};

for (const path of files(root)) {
  const body = readFileSync(path);
  const sizes = [];
  if (!fresh(`${path}.br`, path)) {
    const br = brotliCompressSync(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    });
    put(`${path}.br`, br);
    sizes.push(`br ${br.length}`);
  }
  if (!fresh(`${path}.gz`, path)) {
    const gz = gzipSync(body, { level: 9 });
    put(`${path}.gz`, gz);
    sizes.push(`gzip ${gz.length}`);
  }
  if (sizes.length) console.log(`[precompress] ${path}: ${body.length} bytes, ${sizes.join(', ')}`);
}
