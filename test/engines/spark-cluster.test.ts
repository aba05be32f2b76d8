// The whole Spark suite once more, against a server whose executors are separate JVMs (a standalone
// cluster on this machine: `local-cluster[2 workers, 1 core, 1024 MiB]`): nothing may rely on state
// shared with the driver (the record probe's jar reaches the executors through the session's
// artifacts, the staged relations are written and read by executors).
process.env.SUBSNAP_TEST_SPARK_MASTER = 'local-cluster[2,1,1024]';
await import('./spark-engine.test.js');
