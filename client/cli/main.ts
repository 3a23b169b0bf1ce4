/**
 * `borica-flows`: start, follow, cancel and read BORICA identifications and signings from a
 * shell. Configuration comes from the environment, like the worker's.
 */
import { Command, CommanderError } from 'commander';
import { InputError } from '../errors';
import { addDocumentCommands } from './document-commands';
import { EXIT_CODES_HELP, ExitCode, exitCodeForError } from './exit-codes';
import { addFollowCommands } from './follow-commands';
import { processStreams, type Streams } from './output';
import { addStartCommands, type Run } from './start-commands';

const ENVIRONMENT_HELP = `Environment:
  TEMPORAL_ADDRESS         host:port of Temporal (default localhost:7233)
  TEMPORAL_NAMESPACE       namespace (default "default")
  TEMPORAL_TASK_QUEUE      task queue of the workers (default borica-flows)
  TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME, TEMPORAL_API_KEY
                           TLS and an API key towards Temporal, named as Temporal's CLI names them
  PAYLOAD_ENCRYPTION_KEYS  the workers' payload keys, id:base64[,id:base64]
  DOCUMENT_STORE_DIR       the document store, for commands that store, save or delete PDFs`;

/** Builds the program; `run` receives every action so that errors map to exit codes in one place. */
export function buildProgram(streams: Streams, run: Run): Command {
  const program = new Command('borica-flows')
    .description('Run BORICA B-Trust identifications and OTC signings as Temporal workflows.')
    .option('--json', 'print results as one JSON object per line')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => streams.out.write(text),
      writeErr: (text) => streams.err.write(text),
    });
  const json = () => program.opts<{ json?: boolean }>().json === true;

  // Subcommands inherit the output, error and exit settings above.
  addStartCommands(program, streams, run, json);
  addFollowCommands(program, streams, run, json);
  addDocumentCommands(program, streams, run, json);
  applyToAll(program, (command) =>
    command.addHelpText('after', `\n${EXIT_CODES_HELP}\n\n${ENVIRONMENT_HELP}\n`),
  );
  return program;
}

/** Runs the CLI and returns its exit code. */
export async function main(
  argv: readonly string[] = process.argv,
  streams: Streams = processStreams,
): Promise<ExitCode> {
  let code: ExitCode = ExitCode.ok;
  const run: Run = async (action) => {
    code = ((await action()) ?? ExitCode.ok) as ExitCode;
  };

  try {
    await buildProgram(streams, run).parseAsync([...argv]);
    return code;
  } catch (error) {
    return report(error, streams);
  }
}

function report(error: unknown, streams: Streams): ExitCode {
  if (error instanceof CommanderError) return commanderExit(error);

  if (error instanceof InputError) {
    streams.err.write(
      `borica-flows: invalid input:\n${error.issues.map((issue) => `  ${issue.field}: ${issue.expected}\n`).join('')}`,
    );
  } else {
    streams.err.write(`borica-flows: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  return exitCodeForError(error);
}

// Commander has already printed its message (or the help) when it throws.
function commanderExit(error: CommanderError): ExitCode {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
  if (error.code === 'commander.help' && error.exitCode === 0) return ExitCode.ok;
  return ExitCode.usage;
}

function applyToAll(command: Command, apply: (command: Command) => void): void {
  apply(command);
  for (const sub of command.commands) applyToAll(sub, apply);
}

if (require.main === module) {
  void main().then((code) => {
    process.exitCode = code;
  });
}
