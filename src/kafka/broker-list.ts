/** `host:port[,host:port...]` as given on the command line. */
export function parseBrokers(text: string): string[] {
  const brokers = text.split(',').map((b) => b.trim()).filter(Boolean);
  const bad = brokers.filter((b) => !/^[^\s:]+:\d{1,5}$/.test(b));
  if (brokers.length === 0 || bad.length) throw new Error(`--brokers expects host:port[,host:port...], got "${text}"`);
  return brokers;
}
