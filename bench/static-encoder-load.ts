/**
 * Cold conversion and warm load of the embedded encoder's table.
 * Usage: npx tsx bench/static-encoder-load.ts [cacheDir]   (a fresh directory measures the one-time conversion)
 * Prints wall and CPU milliseconds and memory after load.
 */
import { loadCachedTable } from '../src/encode/static/table-cache.js';
import { StaticEncoder } from '../src/encode/static/static-encoder.js';

const cacheDir = process.argv[2];
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
for (const round of ['first', 'second']) {
  const wall = performance.now();
  const cpu = cpuMs();
  const { conversion } = loadCachedTable(cacheDir ? { cacheDir } : {});
  const loaded = { wallMs: Math.round(performance.now() - wall), cpuMs: Math.round(cpuMs() - cpu) };
  const memory = process.memoryUsage();
  console.log(
    JSON.stringify({
      round,
      converted: conversion ? { millis: Math.round(conversion.millis), bytes: conversion.bytes } : false,
      ...loaded,
      rssMB: Math.round(memory.rss / 2 ** 20),
      heapUsedMB: Math.round(memory.heapUsed / 2 ** 20),
      arrayBuffersMB: Math.round(memory.arrayBuffers / 2 ** 20),
    }),
  );
}
const wall = performance.now();
const encoder = await StaticEncoder.load(cacheDir ? { cacheDir } : {});
console.log(JSON.stringify({ encoderLoadWallMs: Math.round(performance.now() - wall), identity: encoder.identity }));
