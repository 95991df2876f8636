/**
 * CPU milliseconds this process has used (user + system). Unlike wall time it leaves out the time spent waiting
 * for a core, so figures taken on a loaded machine stay comparable; single-threaded code only.
 */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
