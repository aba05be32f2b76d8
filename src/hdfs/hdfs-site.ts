/**
 * The configuration of the single-node HDFS that `subsnap hdfs start` runs: Hadoop's site files
 * (core-site.xml, hdfs-site.xml) and a log4j setting, written into the state folder's `conf/`,
 * which comes first on the daemons' class path.
 */
import path from 'node:path';

export interface HdfsSite {
  stateDir: string;
  /** NameNode RPC port (the `hdfs://127.0.0.1:PORT` of the cluster's URI). */
  port: number;
  /** NameNode HTTP port (WebHDFS). */
  httpPort: number;
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function configuration(properties: Record<string, string | number | boolean>): string {
  const lines = Object.entries(properties).map(
    ([name, value]) => `  <property><name>${escapeXml(name)}</name><value>${escapeXml(String(value))}</value></property>`,
  );
  return `<?xml version="1.0"?>\n<configuration>\n${lines.join('\n')}\n</configuration>\n`;
}

const fileUri = (p: string) => new URL(`file://${path.resolve(p)}`).href;

/** The site files, by name. Every address is on 127.0.0.1; the DataNode's ports are chosen by the system. */
export function siteFiles(site: HdfsSite): Record<string, string> {
  const state = path.resolve(site.stateDir);
  return {
    'core-site.xml': configuration({
      'fs.defaultFS': `hdfs://127.0.0.1:${site.port}`,
      'hadoop.tmp.dir': path.join(state, 'tmp'),
    }),
    'hdfs-site.xml': configuration({
      'dfs.replication': 1,
      'dfs.namenode.name.dir': fileUri(path.join(state, 'name')),
      'dfs.datanode.data.dir': fileUri(path.join(state, 'data')),
      'dfs.namenode.rpc-address': `127.0.0.1:${site.port}`,
      'dfs.namenode.http-address': `127.0.0.1:${site.httpPort}`,
      'dfs.datanode.address': '127.0.0.1:0',
      'dfs.datanode.http.address': '127.0.0.1:0',
      'dfs.datanode.ipc.address': '127.0.0.1:0',
      // WebHDFS redirects reads and writes to the DataNode by this name: an address, not a reverse lookup.
      'dfs.datanode.hostname': '127.0.0.1',
      'dfs.webhdfs.enabled': true,
      // A single-user cluster for trying subsnap: no permission checks (see README, "The lake on HDFS").
      'dfs.permissions.enabled': false,
      // A restart holding blocks would otherwise stay read-only for 30 s.
      'dfs.namenode.safemode.extension': 0,
    }),
    'log4j.properties': [
      'log4j.rootLogger=INFO,console',
      'log4j.appender.console=org.apache.log4j.ConsoleAppender',
      'log4j.appender.console.target=System.err',
      'log4j.appender.console.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.console.layout.ConversionPattern=%d{ISO8601} %p %c{2}: %m%n',
      '',
    ].join('\n'),
  };
}
