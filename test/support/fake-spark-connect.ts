// A stand-in Spark Connect server that only answers the version question, for the
// unsupported-version case (no old Spark needs to be installed for it).
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import path from 'node:path';
import { protoDirectory } from '../../src/engines/spark/spark-connect-client.js';

export async function startFakeSparkConnect(version: string): Promise<{ port: number; stop(): Promise<void> }> {
  const dir = protoDirectory();
  const definition = protoLoader.loadSync(path.join(dir, 'spark', 'connect', 'base.proto'), { includeDirs: [dir], keepCase: true });
  const loaded = grpc.loadPackageDefinition(definition) as any;
  const server = new grpc.Server();
  server.addService(loaded.spark.connect.SparkConnectService.service, {
    AnalyzePlan: (call: any, callback: grpc.sendUnaryData<unknown>) =>
      callback(null, { session_id: call.request.session_id, spark_version: { version } }),
    ReleaseSession: (call: any, callback: grpc.sendUnaryData<unknown>) => callback(null, { session_id: call.request.session_id }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
  );
  return { port, stop: () => new Promise((resolve) => server.tryShutdown(() => resolve())) };
}
