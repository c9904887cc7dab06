#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startStandin, type StandinOptions } from './server';

const USAGE = `Usage: standin [--port N] [--host ADDR] [--har FILE]

Runs a local stand-in for the Huawei Cloud OBS server until SIGINT or SIGTERM.
  --port N     port to listen on (default 0: any free port)
  --host ADDR  interface to bind (default 127.0.0.1)
  --har FILE   record every exchange, secrets redacted, into FILE (HAR 1.2)`;

/** Parses the command line, starts the stand-in and stops it on SIGINT/SIGTERM. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      har: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const options: StandinOptions = {};
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new Error(`--port: not a port: ${values.port}`);
    options.port = port;
  }
  if (values.host !== undefined) options.host = values.host;
  if (values.har !== undefined) options.har = values.har;

  const standin = await startStandin(options);
  process.stdout.write(`OBS stand-in listening on ${standin.url}\n`);
  process.stdout.write(
    `virtual-hosted style: http://{bucket}.localhost:${standin.port} (resolve *.localhost to ${standin.host})\n`,
  );
  if (options.har) process.stdout.write(`recording to ${options.har}\n`);

  const stop = (signal: string): void => {
    process.stdout.write(`${signal}: stopping after ${standin.exchanges.length} exchanges\n`);
    standin.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`stand-in: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`stand-in: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    process.exit(2);
  });
}
