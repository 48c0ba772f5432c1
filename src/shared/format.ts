// The one byte formatter of reports, terminal text, the causes' sentences and the dashboard's
// refusals (binary units, one decimal: `512 B`, `1.5 KB`, `24.0 MB`, `1.2 GB`).
export function formatBytes(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1024 * 1024 * 1024) return `${(n / 1024 / 1024 / 1024).toFixed(1)} GB`;
  if (abs >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  if (abs >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} B`;
}
