/**
 * Finds why a container died in the tail of its previous log: a Go panic or fatal error (message,
 * panicking goroutine, first frame outside the Go runtime, exit code), a Go `log.Fatal` or klog
 * fatal line, and the common shapes of other runtimes (an uncaught exception's first line, a
 * Python traceback's last line). Pure; everything it returns is masked (log-mask.ts) and
 * truncated, because the summary is all of the log that is ever kept or shown.
 */
import { maskSecrets } from './log-mask';

export type CrashKind = 'go-panic' | 'go-fatal-error' | 'go-log-fatal' | 'klog-fatal' | 'python-traceback' | 'exception';

export interface CrashFrame {
  function?: string;
  /** Base name, e.g. `main.go`: what the UI shows beside the line. */
  file: string;
  /** The path as the log prints it (build paths for Go). */
  path: string;
  line: number;
}

export interface CrashSummary {
  kind: CrashKind;
  /** The panic value, fatal error, exception or log message, masked, at most MAX_MESSAGE characters. */
  message: string;
  /** The goroutine that panicked, for Go. */
  goroutine?: { id: number; state: string };
  /** Go: the first frame of the panicking goroutine outside the runtime; others: the frame that raised. */
  frame?: CrashFrame;
  /** `[signal SIGSEGV: …]` for Go. */
  signal?: string;
  exitCode?: number;
  /** Whether exitCode came from the Pod status or is what this kind of crash exits with. */
  exitCodeFrom?: 'status' | 'inferred';
  /** 1-based line in the text given where the crash starts. */
  atLine: number;
  /** The crash lines themselves, masked, at most MAX_EXCERPT_LINES of at most MAX_LINE characters. */
  excerpt: string[];
}

export const MAX_MESSAGE = 500;
export const MAX_LINE = 300;
export const MAX_EXCERPT_LINES = 30;

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

const GO_CRASH = /^(panic|fatal error): (.*)$/;
const GOROUTINE = /^goroutine (\d+)(?: [^[]*)?\[([^\]]*)\]:\s*$/;
const GO_FRAME_FILE = /^\t(\S.*?):(\d+)(?: \+0x[0-9a-f]+)?(?: .*)?$/;
// Go's standard logger with Lshortfile/Llongfile: "2026/11/26 06:03:39 main.go:8: message".
const STD_LOG = /^(?:\d{4}\/\d{2}\/\d{2} )?(?:\d{2}:\d{2}:\d{2}(?:\.\d+)? )?(?:(\S+\.go):(\d+): )?(.*)$/;
const STD_LOG_DATE = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}/;
// klog: "F1126 06:03:39.123456   12345 main.go:42] message".
const KLOG_FATAL = /^F\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+ (\S+\.go):(\d+)\] (.*)$/;

function isGoRuntimeFrame(fn: string, path: string): boolean {
  return (
    fn.startsWith('panic(') ||
    fn.startsWith('runtime.') ||
    fn.startsWith('runtime/') ||
    fn.startsWith('internal/runtime/') ||
    /\/src\/(?:internal\/)?runtime\//.test(path)
  );
}

function frame(fn: string | undefined, path: string, line: number): CrashFrame {
  const f: CrashFrame = { file: path.slice(path.lastIndexOf('/') + 1), path, line };
  if (fn) f.function = fn;
  return f;
}

function excerptOf(lines: string[], from: number, to: number): string[] {
  return lines.slice(from, Math.min(to, from + MAX_EXCERPT_LINES)).map((l) => clip(maskSecrets(l), MAX_LINE));
}

function goCrash(lines: string[], start: number): CrashSummary {
  const m = GO_CRASH.exec(lines[start]!)!;
  const kind: CrashKind = m[1] === 'panic' ? 'go-panic' : 'go-fatal-error';
  // A panic value may span lines; it ends at the blank line or the [signal …] line before the trace.
  const msg = [m[2]!.replace(/ \[recovered(?:, repanicked)?\]$/, '')];
  let i = start + 1;
  let signal: string | undefined;
  for (; i < lines.length && msg.length < 5; i++) {
    const l = lines[i]!;
    if (l === '' || GOROUTINE.test(l)) break;
    if (l.startsWith('[signal ')) {
      signal = l.slice(1, l.endsWith(']') ? -1 : undefined);
      continue;
    }
    // A re-panic ("\tpanic: …") belongs to the same crash; the first value is the cause.
    if (/^\tpanic: /.test(l)) continue;
    msg.push(l);
  }
  let goroutine: CrashSummary['goroutine'];
  let userFrame: CrashFrame | undefined;
  let end = i;
  for (; i < lines.length; i++) {
    const g = GOROUTINE.exec(lines[i]!);
    if (g) {
      goroutine = { id: Number(g[1]), state: g[2]!.split(',')[0]!.trim() };
      break;
    }
    if (i > start + 20) break;
  }
  if (goroutine) {
    // Frames come in pairs: "pkg.fn(args)" then "\t/path/file.go:line +0x…"; the stack ends at a blank line.
    for (i = i + 1; i < lines.length && lines[i] !== ''; i++) {
      const fnLine = lines[i]!;
      const fileMatch = GO_FRAME_FILE.exec(lines[i + 1] ?? '');
      if (!fileMatch) continue;
      i++;
      const fn = fnLine.startsWith('created by ') ? fnLine.slice('created by '.length).replace(/ in goroutine \d+$/, '') : fnLine.replace(/\([^()]*\)$/, '');
      if (!userFrame && !isGoRuntimeFrame(fn, fileMatch[1]!)) userFrame = frame(fn, fileMatch[1]!, Number(fileMatch[2]));
    }
    end = i;
  }
  const s: CrashSummary = {
    kind,
    message: clip(maskSecrets(msg.join('\n')), MAX_MESSAGE),
    atLine: start + 1,
    excerpt: excerptOf(lines, start, end),
    exitCode: 2,
    exitCodeFrom: 'inferred',
  };
  if (goroutine) s.goroutine = goroutine;
  if (userFrame) s.frame = userFrame;
  if (signal) s.signal = signal;
  return s;
}

function pythonTraceback(lines: string[], start: number): CrashSummary | undefined {
  let last: CrashFrame | undefined;
  let i = start + 1;
  for (; i < lines.length; i++) {
    const l = lines[i]!;
    const f = /^\s+File "([^"]+)", line (\d+)(?:, in (.+))?$/.exec(l);
    if (f) {
      last = frame(f[3], f[1]!, Number(f[2]));
      continue;
    }
    // Source lines and carets are indented; the exception line is not.
    if (/^\s/.test(l) || l === '') continue;
    // A chained traceback ("During handling of the above exception…") starts again below.
    if (/^(During handling|The above exception)/.test(l) || l.startsWith('Traceback (most recent call last):')) continue;
    break;
  }
  const message = lines[i];
  if (message === undefined) return undefined;
  const s: CrashSummary = { kind: 'python-traceback', message: clip(maskSecrets(message), MAX_MESSAGE), atLine: start + 1, excerpt: excerptOf(lines, start, i + 1) };
  if (last) s.frame = last;
  return s;
}

// Node: "Error: boom\n    at fn (/app/x.js:12:11)"; Java: "Exception in thread "main" java.lang.X: msg\n\tat a.B.c(B.java:5)".
const EXCEPTION_FIRST = /^(?:Uncaught |Unhandled )?(?:Exception in thread "[^"]*" )?((?:[\w$.]+\.)?(?:[A-Z][\w$]*)?(?:Error|Exception)(?::.*)?)$/;
const JS_FRAME = /^\s+at (?:(.+?) \()?((?:file:\/\/)?[^()\s]+?):(\d+):(\d+)\)?$/;
const JAVA_FRAME = /^\s+at ([\w$.<>/]+)\(([^():]+):(\d+)\)$/;

function exception(lines: string[], start: number): CrashSummary | undefined {
  const first = EXCEPTION_FIRST.exec(lines[start]!);
  if (!first) return undefined;
  let f: CrashFrame | undefined;
  let i = start + 1;
  let frames = 0;
  for (; i < lines.length; i++) {
    const js = JS_FRAME.exec(lines[i]!);
    const java = js ? undefined : JAVA_FRAME.exec(lines[i]!);
    if (!js && !java) break;
    frames++;
    if (f) continue;
    if (js && !/^node:|internal\//.test(js[2]!)) f = frame(js[1], js[2]!.replace(/^file:\/\//, ''), Number(js[3]));
    if (java && !/^(java|javax|jdk|sun)\./.test(java[1]!)) f = frame(java[1], java[2]!, Number(java[3]));
  }
  // A line that merely names an error class is a log line, not a crash: require a stack.
  if (frames === 0) return undefined;
  const s: CrashSummary = { kind: 'exception', message: clip(maskSecrets(first[1]!), MAX_MESSAGE), atLine: start + 1, excerpt: excerptOf(lines, start, i) };
  if (f) s.frame = f;
  return s;
}

/** A JSON log line at level fatal/panic (zap, logrus, slog), with its caller when it names one. */
function jsonFatal(line: string, index: number): CrashSummary | undefined {
  if (!line.startsWith('{') || !/"(?:level|severity|lvl)"\s*:\s*"(?:fatal|panic|dpanic|FATAL|PANIC|critical|CRITICAL)"/.test(line)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const rec = parsed as Record<string, unknown>;
  const msg = [rec.msg, rec.message, rec.error, rec.err].find((v): v is string => typeof v === 'string') ?? line;
  const s: CrashSummary = { kind: 'go-log-fatal', message: clip(maskSecrets(msg), MAX_MESSAGE), atLine: index + 1, excerpt: excerptOf([line], 0, 1) };
  const caller = typeof rec.caller === 'string' ? /^(.*\.go):(\d+)$/.exec(rec.caller) : null;
  if (caller) s.frame = frame(undefined, caller[1]!, Number(caller[2]));
  return s;
}

export interface ParseOptions {
  /** From the Pod status (lastState.terminated.exitCode): wins over what the crash's kind implies. */
  exitCode?: number;
}

/**
 * The crash the log ends with, or undefined when it shows none. The newest crash wins: a previous
 * log belongs to one container instance, so a second panic in it would be a recovered one.
 */
export function parseCrashLog(text: string, opts: ParseOptions = {}): CrashSummary | undefined {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const found = findCrash(lines, opts);
  if (!found) return undefined;
  if (opts.exitCode !== undefined) {
    found.exitCode = opts.exitCode;
    found.exitCodeFrom = 'status';
  }
  return found;
}

function findCrash(lines: string[], opts: ParseOptions): CrashSummary | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!;
    if (GO_CRASH.test(l)) {
      // "panic: …" right after another panic line is the re-panic of a chain; the chain starts above.
      let start = i;
      while (start > 0 && /^(panic: .*\[recovered(?:, repanicked)?\]|\tpanic: .*)$/.test(lines[start - 1]!)) start--;
      if (start !== i && GO_CRASH.test(lines[start]!)) return goCrash(lines, start);
      return goCrash(lines, i);
    }
    if (l.startsWith('Traceback (most recent call last):')) {
      // The outermost traceback of a chain is the first; the one that ended the process is the last.
      const t = pythonTraceback(lines, i);
      if (t) return t;
    }
    const k = KLOG_FATAL.exec(l);
    if (k) return { kind: 'klog-fatal', message: clip(maskSecrets(k[3]!), MAX_MESSAGE), frame: frame(undefined, k[1]!, Number(k[2])), atLine: i + 1, excerpt: excerptOf(lines, i, i + 1), exitCode: 255, exitCodeFrom: 'inferred' };
    const j = jsonFatal(l, i);
    if (j) return j;
    const e = exception(lines, i);
    if (e) return e;
  }
  return logFatal(lines, opts);
}

/**
 * log.Fatal writes one ordinary log line and exits 1, so it is recognised only by that: the last
 * line of a log in Go's standard format, when the container exited 1 (or the exit code is unknown
 * and the line names its source file, as log.Lshortfile makes it).
 */
function logFatal(lines: string[], opts: ParseOptions): CrashSummary | undefined {
  let i = lines.length - 1;
  while (i >= 0 && lines[i]!.trim() === '') i--;
  if (i < 0) return undefined;
  const l = lines[i]!;
  if (!STD_LOG_DATE.test(l) && !/^\S+\.go:\d+: /.test(l)) return undefined;
  const m = STD_LOG.exec(l)!;
  if (opts.exitCode !== 1 && !(opts.exitCode === undefined && m[1])) return undefined;
  const s: CrashSummary = { kind: 'go-log-fatal', message: clip(maskSecrets(m[3]!), MAX_MESSAGE), atLine: i + 1, excerpt: excerptOf(lines, i, i + 1), exitCode: 1, exitCodeFrom: 'inferred' };
  if (m[1]) s.frame = frame(undefined, m[1], Number(m[2]));
  return s;
}

/** `file.go:42`: how the UI names a frame. */
export const frameLabel = (f: CrashFrame): string => `${f.file}:${f.line}`;
