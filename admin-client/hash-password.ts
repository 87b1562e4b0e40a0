/** `aurora-admin hash_password`: loaded when it runs. */
import type { CommandContext, InputStream, Output } from '../client/cli/context.js';
import { InterruptedError, InvalidParameterError } from '../client/errors.js';

/**
 * Reads a password the way the user gives it: typed at a terminal (a prompt on stderr, nothing
 * echoed, asked twice so a typo is caught), or piped in (the first line). Never from the command
 * line, where other users see it in the process list and it stays in the shell's history.
 */
export async function readPassword(input: InputStream, prompt: Output): Promise<string> {
  if (input.isTTY && input.setRawMode) {
    const first = await readTyped(input, prompt, 'Password: ');
    const again = await readTyped(input, prompt, 'Password (again): ');
    if (first !== again) throw new InvalidParameterError('the two passwords differ; nothing was hashed');
    return checked(first);
  }
  const text = await readAll(input);
  return checked(firstLine(text));
}

/** A piped password: the text up to the first line break (a file written by `echo` ends with one). Pure. */
export function firstLine(text: string): string {
  const end = text.search(/\r?\n/);
  return end < 0 ? text : text.slice(0, end);
}

function checked(password: string): string {
  if (password === '') throw new InvalidParameterError('the password is empty; type one, or pipe it in: aurora-admin hash_password < file');
  return password;
}

async function readAll(input: InputStream): Promise<string> {
  let text = '';
  for await (const chunk of input) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  return text;
}

/**
 * One line typed in raw mode, so the terminal echoes nothing: Enter ends it, Backspace takes a
 * character back, Ctrl-C interrupts (exit 130), Ctrl-D on an empty line ends input.
 */
function readTyped(input: InputStream, prompt: Output, question: string): Promise<string> {
  prompt.write(question);
  input.setRawMode?.(true);
  input.resume();
  return new Promise<string>((resolve, reject) => {
    let typed = '';
    const finish = (error?: Error, rest = ''): void => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.setRawMode?.(false);
      input.pause();
      // Keys typed ahead (a pasted answer to both prompts) are for the next prompt.
      if (rest !== '') input.unshift(Buffer.from(rest, 'utf8'));
      prompt.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onEnd = (): void => finish();
    const onData = (chunk: string | Buffer): void => {
      const chars = [...(typeof chunk === 'string' ? chunk : chunk.toString('utf8'))];
      for (const [i, ch] of chars.entries()) {
        if (ch === '\r' || ch === '\n') return finish(undefined, chars.slice(i + 1).join('').replace(/^\n/, ''));
        if (ch === '\u0003') return finish(new InterruptedError('interrupted'));
        if (ch === '\u0004') {
          if (typed === '') return finish();
          continue;
        }
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else typed += ch;
      }
    };
    input.on('data', onData);
    input.on('end', onEnd);
  });
}

/** Reads a password, prints its hash for security.ini on stdout, and where it goes on stderr. */
export async function hashPasswordCommand(ctx: CommandContext): Promise<void> {
  const password = await readPassword(ctx.stdin, ctx.stderr);
  const { hashPassword } = await import('../scheduler/core/password-hash.js');
  ctx.out(await hashPassword(password));
  ctx.err("Put it in security.ini's [users] section in place of the password: NAME = HASH, ROLE, ...");
}
