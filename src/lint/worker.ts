/** A worker thread of `obs-sse lint`: checks the NDJSON batches it is sent (./parallel.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { checkBatch, type BatchRequest, type WorkerSetup } from './batch';
import { ExchangeChecker, runInspectOptions } from './check';

const setup = workerData as WorkerSetup;
const checker = new ExchangeChecker(setup.options, runInspectOptions(setup.options), true);

parentPort?.on('message', (req: BatchRequest) => {
  parentPort?.postMessage(checkBatch(req, checker, setup.keepAll, setup.options.maxLineBytes));
});
