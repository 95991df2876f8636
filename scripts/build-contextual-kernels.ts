// Assembles src/index/contextual/kernels/*.wat into *.wasm-bytes.ts (base64), until the shared kernel build lands.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import wabt from 'wabt';

const dir = path.resolve(import.meta.dirname, '../src/index/contextual/kernels');
const toolkit = await wabt();
for (const file of readdirSync(dir).filter((f) => f.endsWith('.wat'))) {
  const module = toolkit.parseWat(file, readFileSync(path.join(dir, file), 'utf8'), { simd: true });
  const { buffer } = module.toBinary({});
  const name = file.replace(/\.wat$/, '');
  writeFileSync(
    path.join(dir, `${name}.wasm-bytes.ts`),
    `// Generated from ${file} by scripts/build-contextual-kernels.ts; do not edit.\nexport default '${Buffer.from(buffer).toString('base64')}';\n`,
  );
  console.log(`${file}: ${buffer.length} bytes`);
}
