/**
 * A small Spark Connect client: gRPC to `spark.connect.SparkConnectService`, one session (a UUID)
 * per client, SQL statements and queries, Arrow results. The service definitions are loaded from
 * the .proto files of the installed Spark distribution (scripts/setup-spark.sh extracts them).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { tableFromIPC, type Table } from 'apache-arrow';
import { crc32 } from 'node:zlib';
import type { SparkRemote } from './spark-remote.js';

export class SparkConnectError extends Error {
  constructor(
    message: string,
    readonly errorClass?: string,
    readonly code?: grpc.status,
  ) {
    super(message);
  }
}

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Where setup-spark.sh puts the definitions; SUBSNAP_SPARK_PROTOS overrides it. */
export function protoDirectory(): string {
  return process.env.SUBSNAP_SPARK_PROTOS ?? path.join(PROJECT_ROOT, '.venv', 'spark-protos');
}

type Service = grpc.ServiceClientConstructor;
let serviceCache: Service | undefined;

function loadService(): Service {
  if (serviceCache) return serviceCache;
  const dir = protoDirectory();
  const base = path.join(dir, 'spark', 'connect', 'base.proto');
  if (!existsSync(base)) {
    throw new SparkConnectError(`the Spark Connect protocol definitions are missing (${base}): run scripts/setup-spark.sh`);
  }
  const definition = protoLoader.loadSync(base, {
    includeDirs: [dir],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as { spark: { connect: { SparkConnectService: Service } } };
  serviceCache = loaded.spark.connect.SparkConnectService;
  return serviceCache;
}

/** The Spark error class of a server error, e.g. `TABLE_OR_VIEW_NOT_FOUND`, from its message. */
function errorClassOf(message: string): string | undefined {
  return /\[([A-Z][A-Z0-9_.]+)\]/.exec(message)?.[1];
}

export interface QueryResult {
  tables: Table[];
}

export class SparkConnectClient {
  private readonly client: grpc.Client & Record<string, any>;

  /**
   * `sessionId` names the server-side session (a new one by default); with `keepSession` closing
   * leaves that session open on the server, for the next process that takes its slot.
   */
  constructor(readonly remote: SparkRemote, readonly sessionId: string = randomUUID(), private readonly keepSession = false) {
    const Service = loadService();
    const credentials = remote.useSsl ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
    this.client = new Service(`${remote.host}:${remote.port}`, credentials, {
      // Arrow batches of wide results are far above gRPC's 4 MiB default.
      'grpc.max_receive_message_length': 1024 * 1024 * 1024,
      'grpc.max_send_message_length': 64 * 1024 * 1024,
    }) as grpc.Client & Record<string, any>;
  }

  private metadata(): grpc.Metadata {
    const metadata = new grpc.Metadata();
    if (this.remote.token) metadata.set('authorization', `Bearer ${this.remote.token}`);
    return metadata;
  }

  private base() {
    return { session_id: this.sessionId, user_context: { user_id: this.remote.userId }, client_type: 'subsnap' };
  }

  private describeError(error: grpc.ServiceError): SparkConnectError {
    const where = this.remote.display;
    switch (error.code) {
      case grpc.status.UNAVAILABLE:
        return new SparkConnectError(`cannot reach the Spark Connect server at ${where}: ${error.details}; is it running (subsnap spark start)?`, undefined, error.code);
      case grpc.status.UNAUTHENTICATED:
      case grpc.status.PERMISSION_DENIED:
        return new SparkConnectError(`the Spark Connect server at ${where} refused the credentials: ${error.details}; check the token in the remote URL`, undefined, error.code);
      case grpc.status.DEADLINE_EXCEEDED:
        return new SparkConnectError(`the Spark Connect server at ${where} did not answer in time`, undefined, error.code);
      default: {
        const errorClass = errorClassOf(error.details ?? '');
        return new SparkConnectError(`Spark at ${where} failed${errorClass ? ` (${errorClass})` : ''}: ${error.details}`, errorClass, error.code);
      }
    }
  }

  /** Runs a plan and collects its Arrow batches; statements yield none. */
  private execute(plan: object, deadlineMs?: number): Promise<QueryResult> {
    return new Promise((resolve, reject) => {
      const options: grpc.CallOptions = deadlineMs ? { deadline: Date.now() + deadlineMs } : {};
      const call = this.client.ExecutePlan({ ...this.base(), plan }, this.metadata(), options) as grpc.ClientReadableStream<any>;
      const tables: Table[] = [];
      call.on('data', (response: any) => {
        const data = response.arrow_batch?.data as Buffer | undefined;
        if (data && data.length) tables.push(tableFromIPC(data));
      });
      call.on('error', (error: grpc.ServiceError) => reject(this.describeError(error)));
      call.on('end', () => resolve({ tables }));
    });
  }

  async sql(statement: string): Promise<void> {
    await this.execute({ command: { sql_command: { input: { sql: { query: statement } } } } });
  }

  async query(select: string): Promise<Record<string, unknown>[]> {
    const { tables } = await this.execute({ root: { sql: { query: select } } });
    return tables.flatMap((t) => t.toArray().map((row: any) => row.toJSON() as Record<string, unknown>));
  }

  /** Adds a jar to the session's class path (the AddArtifacts stream): its classes serve this session's UDFs. */
  addJar(name: string, bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      const call = this.client.AddArtifacts(this.metadata(), (error: grpc.ServiceError | null) => (error ? reject(this.describeError(error)) : resolve()));
      call.write({
        ...this.base(),
        batch: { artifacts: [{ name: `jars/${name}`, data: { data: bytes, crc: String(crc32(bytes)) } }] },
      });
      call.end();
    });
  }

  /**
   * Names, for this session, a relation reading `paths` in `format` as one scan over all of them, the
   * way DataFrameReader.load(paths) does. Spark expands glob patterns in them: escape what must be literal.
   */
  async createFilesView(name: string, format: string, paths: string[], options: Record<string, string> = {}): Promise<void> {
    await this.execute({
      command: {
        create_dataframe_view: {
          input: { read: { data_source: { format, paths, options } } },
          name, is_global: false, replace: true,
        },
      },
    });
  }

  /** Registers a Java UDF of an added jar under `name` for this session. */
  async registerJavaFunction(name: string, className: string, outputType: object): Promise<void> {
    await this.execute({
      command: { register_function: { function_name: name, deterministic: true, java_udf: { class_name: className, output_type: outputType, aggregate: false } } },
    });
  }

  /** The server's Spark version; also the first round trip that proves the endpoint answers. */
  sparkVersion(deadlineMs = 30_000): Promise<string> {
    return new Promise((resolve, reject) => {
      this.client.AnalyzePlan(
        { ...this.base(), spark_version: {} },
        this.metadata(),
        { deadline: Date.now() + deadlineMs },
        (error: grpc.ServiceError | null, response: any) => {
          if (error) reject(this.describeError(error));
          else resolve(String(response.spark_version?.version ?? ''));
        },
      );
    });
  }

  /** Ends the server-side session (its temporary views and cached tables), unless kept, and the channel. */
  async close(): Promise<void> {
    if (!this.keepSession) await this.releaseSession();
    this.client.close();
  }

  private releaseSession(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.client.ReleaseSession({ session_id: this.sessionId, user_context: { user_id: this.remote.userId }, client_type: 'subsnap' },
        this.metadata(), { deadline: Date.now() + 10_000 }, () => resolve());
    });
  }
}
