// A small line chart (time against snapshot size, one line per contender) as standalone SVG.

export interface Series {
  name: string;
  points: { x: number; y: number }[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#7f7f7f', '#9467bd', '#ff7f0e'];

export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[]): string {
  const [w, h, left, right, top, bottom] = [720, 420, 70, 190, 40, 50];
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  const xMax = Math.max(...xs, 1);
  const yMax = Math.max(...ys, 1) * 1.1;
  const px = (x: number) => left + (x / xMax) * (w - left - right);
  const py = (y: number) => h - bottom - (y / yMax) * (h - top - bottom);
  const ticks = (max: number) => Array.from({ length: 6 }, (_, i) => (max * i) / 5);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${w / 2 - right / 2}" y="22" text-anchor="middle" font-size="15">${title}</text>`,
    `<line x1="${left}" y1="${h - bottom}" x2="${w - right}" y2="${h - bottom}" stroke="black"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${h - bottom}" stroke="black"/>`,
    ...ticks(xMax).map((t) => `<text x="${px(t)}" y="${h - bottom + 16}" text-anchor="middle">${formatCount(t)}</text>`),
    ...ticks(yMax).map((t) => `<text x="${left - 8}" y="${py(t) + 4}" text-anchor="end">${t.toFixed(t < 10 ? 1 : 0)}</text>`),
    ...ticks(yMax).map((t) => `<line x1="${left}" y1="${py(t)}" x2="${w - right}" y2="${py(t)}" stroke="#eee"/>`),
    `<text x="${(left + w - right) / 2}" y="${h - 12}" text-anchor="middle">${xLabel}</text>`,
    `<text x="16" y="${(top + h - bottom) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(top + h - bottom) / 2})">${yLabel}</text>`,
  ];
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${px(p.x)},${py(p.y)}`).join(' ')}"/>`);
    for (const p of pts) parts.push(`<circle cx="${px(p.x)}" cy="${py(p.y)}" r="3.5" fill="${color}"/>`);
    parts.push(`<rect x="${w - right + 16}" y="${top + i * 22}" width="14" height="4" fill="${color}"/>`);
    parts.push(`<text x="${w - right + 36}" y="${top + i * 22 + 6}">${s.name}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

export function formatCount(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}
