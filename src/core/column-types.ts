/**
 * Column types as the commit log records them: one spelling whatever the engine
 * (DuckDB says `MAP(VARCHAR, VARCHAR)`, Spark says `map<string,string>`).
 */
export function neutralType(engineType: string): string {
  let t = engineType.toLowerCase().replace(/\s+/g, '');
  t = t.replace(/\bvarchar\b/g, 'string').replace(/\binteger\b/g, 'int');
  // map(k,v) -> map<k,v>, applied until no round bracket pairs of a map are left.
  for (let previous = ''; previous !== t; ) {
    previous = t;
    t = t.replace(/map\(([^()]*)\)/g, 'map<$1>');
  }
  return t;
}
