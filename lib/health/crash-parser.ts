/**
 * Finds why a container died in the tail of its previous log: a Go panic or fatal error (message,
 * panicking goroutine, the frame that raised it outside the runtime and standard library, exit
 * code), a Go `log.Fatal` or klog fatal line, and the common shapes of other runtimes (an uncaught
 * exception's first line, a Python traceback's last line, a Java trace's root cause). Only a crash
 * the log ends with counts (runtime output after it aside): an exception logged and survived
 * earlier is not why the container stopped, and nothing in the log of a container killed from
 * outside (OOMKilled, a failed liveness probe) is. Pure; everything it returns is masked
 * (log-mask.ts) and truncated, because the summary is all of the log that is ever kept or shown.
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
  /** The panic value, fatal error, exception (a Java trace's root cause) or log message, masked, at most MAX_MESSAGE characters. */
  message: string;
  /** The goroutine that panicked, for Go. */
  goroutine?: { id: number; state: string };
  /** Go: the frame that raised the panic, outside the runtime and the standard library when there is one; others: the frame that raised. */
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
/**
 * Lines after a crash that are neither blank, nor stack frames, nor runtime or exit lines (an
 * error object Node prints, the rest of a multi-line Python message), as many as a crash can be
 * followed by; more, or any line an app logs while it runs (see APP_LOG_LINE) other than one about
 * going down, means the app went on after it.
 */
export const MAX_TRAILING_LINES = 20;

/** A crash and the index just past its lines: what follows decides whether the log ends with it. */
interface Found {
  crash: CrashSummary;
  end: number;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** A message as the summary keeps it: cut (masking costs time with length), masked, cut again. */
const shownMessage = (text: string) => clip(maskSecrets(clip(text, MAX_MESSAGE * 4)), MAX_MESSAGE);

const GO_CRASH = /^(panic|fatal error): (.*)$/;
const GOROUTINE = /^goroutine (\d+)(?: [^[]*)?\[([^\]]*)\]:\s*$/;
const GO_FRAME_FILE = /^\t(\S.*?):(\d+)(?: \+0x[0-9a-f]+)?(?: .*)?$/;
// Go's standard logger with Lshortfile/Llongfile: "2026/11/26 06:03:39 main.go:8: message".
const STD_LOG = /^(?:\d{4}\/\d{2}\/\d{2} )?(?:\d{2}:\d{2}:\d{2}(?:\.\d+)? )?(?:(\S+\.go):(\d+): )?(.*)$/;
const STD_LOG_DATE = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}/;
// klog: "F1126 06:03:39.123456   12345 main.go:42] message".
const KLOG_FATAL = /^F\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+ (\S+\.go):(\d+)\] (.*)$/;

interface GoFrame {
  fn: string;
  path: string;
  line: number;
}

/** The runtime's `panic({0x…})` frame (its arguments dropped by goFunction): where a panic began unwinding. */
const isGoPanicCall = (fn: string) => fn === 'panic' || fn.startsWith('panic(');

function isGoRuntimeFrame(fn: string, path: string): boolean {
  return (
    isGoPanicCall(fn) ||
    fn.startsWith('runtime.') ||
    fn.startsWith('runtime/') ||
    fn.startsWith('internal/runtime/') ||
    /\/src\/(?:internal\/)?runtime\//.test(path)
  );
}

/** `encoding/json` of `encoding/json.(*encodeState).marshal`, `main` of `main.main.func1`. */
function goPackage(fn: string): string {
  const name = fn.replace(/[([].*$/, '');
  const dot = name.indexOf('.', name.lastIndexOf('/') + 1);
  return dot < 0 ? name : name.slice(0, dot);
}

/**
 * Where GOROOT's sources are in this build (`/usr/local/go/src/`), from a runtime frame: frames
 * under it are the standard library whatever their package is named. Undefined for -trimpath
 * builds and stacks without a runtime frame.
 */
function gorootSrc(frames: GoFrame[]): string | undefined {
  for (const f of frames) {
    const m = isGoRuntimeFrame(f.fn, '') ? /^(.*\/src\/)(?:internal\/)?runtime\//.exec(f.path) : null;
    if (m) return m[1];
  }
  return undefined;
}

function isGoStdFrame(f: GoFrame, goroot: string | undefined): boolean {
  if (goroot !== undefined) return f.path.startsWith(goroot);
  // The go command reserves import paths without a dot in their first element for the standard library.
  const pkg = goPackage(f.fn);
  return pkg !== 'main' && !pkg.split('/')[0]!.includes('.');
}

/**
 * The frame that raised the panic. Frames above the last `panic(` are deferred functions that ran
 * while it unwound (a recover that re-panics), so the search starts below it; the runtime and the
 * standard library (log.Panicf, a WaitGroup's counter check) only report what the caller did. A
 * standard-library frame is still better than none when the stack has nothing else.
 */
function raisingFrame(frames: GoFrame[]): GoFrame | undefined {
  const goroot = gorootSrc(frames);
  let lastPanic = -1;
  frames.forEach((f, i) => {
    if (isGoPanicCall(f.fn)) lastPanic = i;
  });
  const raised = frames.slice(lastPanic + 1);
  const outsideRuntime = (f: GoFrame) => !isGoRuntimeFrame(f.fn, f.path);
  const user = (f: GoFrame) => outsideRuntime(f) && !isGoStdFrame(f, goroot);
  return raised.find(user) ?? frames.find(user) ?? raised.find(outsideRuntime) ?? frames.find(outsideRuntime);
}

/** "pkg.fn(args)" or "created by pkg.fn in goroutine 1" without its decorations. */
function goFunction(fnLine: string): string {
  return fnLine.startsWith('created by ') ? fnLine.slice('created by '.length).replace(/ in goroutine \d+$/, '') : fnLine.replace(/\([^()]*\)$/, '');
}

/** Frames come in pairs: "pkg.fn(args)" then "\t/path/file.go:line +0x…"; the stack ends at a blank line. */
function goStack(lines: string[], from: number): { frames: GoFrame[]; end: number } {
  const frames: GoFrame[] = [];
  let i = from;
  for (; i < lines.length && lines[i] !== ''; i++) {
    const fileMatch = GO_FRAME_FILE.exec(lines[i + 1] ?? '');
    if (!fileMatch) continue;
    frames.push({ fn: goFunction(lines[i]!), path: fileMatch[1]!, line: Number(fileMatch[2]) });
    i++;
  }
  return { frames, end: i };
}

function frame(fn: string | undefined, path: string, line: number): CrashFrame {
  const f: CrashFrame = { file: path.slice(path.lastIndexOf('/') + 1), path, line };
  if (fn) f.function = fn;
  return f;
}

function excerptOf(lines: string[], from: number, to: number): string[] {
  // Masked as one text, not line by line: a private key's body lines are only known as such
  // between its BEGIN and END lines. Each line is cut first (masking costs time with length), to
  // a length that still shows where a cut secret was.
  const block = lines.slice(from, Math.min(to, from + MAX_EXCERPT_LINES)).map((l) => clip(l, MAX_LINE * 4));
  return maskSecrets(block.join('\n'))
    .split('\n')
    .map((l) => clip(l, MAX_LINE));
}

function goCrash(lines: string[], start: number): Found {
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
  let userFrame: GoFrame | undefined;
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
    const stack = goStack(lines, i + 1);
    userFrame = raisingFrame(stack.frames);
    end = stack.end;
  }
  const s: CrashSummary = {
    kind,
    message: shownMessage(msg.join('\n')),
    atLine: start + 1,
    excerpt: excerptOf(lines, start, end),
    exitCode: 2,
    exitCodeFrom: 'inferred',
  };
  if (goroutine) s.goroutine = goroutine;
  if (userFrame) s.frame = frame(userFrame.fn, userFrame.path, userFrame.line);
  if (signal) s.signal = signal;
  return { crash: s, end };
}

function pythonTraceback(lines: string[], start: number): Found | undefined {
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
  const s: CrashSummary = { kind: 'python-traceback', message: shownMessage(message), atLine: start + 1, excerpt: excerptOf(lines, start, i + 1) };
  if (last) s.frame = last;
  return { crash: s, end: i + 1 };
}

// Node: "Error: boom\n    at fn (/app/x.js:12:11)"; Java: "Exception in thread "main" java.lang.X: msg\n\tat a.B.c(B.java:5)".
const EXCEPTION_FIRST = /^(?:Uncaught |Unhandled )?(?:Exception in thread "[^"]*" )?((?:[\w$.]+\.)?(?:[A-Z][\w$]*)?(?:Error|Exception)(?::.*)?)$/;
const JS_FRAME = /^\s+at (?:(.+?) \()?((?:file:\/\/)?[^()\s]+?):(\d+):(\d+)\)?$/;
// "(Native Method)", "(Unknown Source)" and "(App.java)" have no line; logback and Spring Boot
// append the jar: " ~[app.jar:1.0]", " [na:1.8.0]".
const JAVA_FRAME = /^\s+at ([\w$.<>/-]+)\(([^()]*)\)(?: ~?\[[^\]]*\])?$/;
const JAVA_LOCATION = /^([^():]+):(\d+)$/;
const JDK_FRAME = /^(?:[\w.-]+\/)?(?:java|javax|jdk|sun|com\.sun)\./;
// Lines of a Java trace that are neither frames nor a cause: what to step over.
const JAVA_ELIDED = /^\s+\.\.\. \d+ (?:more|common frames omitted)$/;

/** One exception of a chain: the top one or a "Caused by:", with the frame that raised it. */
interface ExceptionSection {
  header: number;
  message: string;
  frame?: CrashFrame;
}

/** The frame a stack line names, when it is one that can be shown (a line number, outside the runtime's own code). */
function appFrame(line: string): CrashFrame | undefined {
  const js = JS_FRAME.exec(line);
  if (js) return /^node:|internal\//.test(js[2]!) ? undefined : frame(js[1], js[2]!.replace(/^file:\/\//, ''), Number(js[3]));
  const java = JAVA_FRAME.exec(line);
  const loc = java ? JAVA_LOCATION.exec(java[2]!) : null;
  return java && loc && !JDK_FRAME.test(java[1]!) ? frame(java[1], loc[1]!, Number(loc[2])) : undefined;
}

const isStackFrame = (line: string) => JS_FRAME.test(line) || JAVA_FRAME.test(line);

/** The sections of an exception's trace and where it ends; frames of suppressed exceptions are stepped over. */
function exceptionSections(lines: string[], start: number, message: string): { sections: ExceptionSection[]; frames: number; end: number } {
  const sections: ExceptionSection[] = [{ header: start, message }];
  let frames = 0;
  let suppressed = false;
  let i = start + 1;
  for (; i < lines.length; i++) {
    const l = lines[i]!;
    const cause = /^Caused by: (.+)$/.exec(l);
    if (cause) {
      sections.push({ header: i, message: cause[1]! });
      suppressed = false;
    } else if (/^\s+Suppressed: /.test(l)) {
      suppressed = true;
    } else if (isStackFrame(l)) {
      frames++;
      const current = sections[sections.length - 1]!;
      if (!suppressed && !current.frame) {
        const f = appFrame(l);
        if (f) current.frame = f;
      }
    } else if (!JAVA_ELIDED.test(l) && !/^\s+Caused by: /.test(l)) {
      break;
    }
  }
  return { sections, frames, end: i };
}

/**
 * The top exception line stays first in the excerpt (it is what the log shows first); the root
 * cause follows, with a `…` line for the trace between them.
 */
function exceptionExcerpt(lines: string[], start: number, root: ExceptionSection, end: number): string[] {
  if (root.header === start) return excerptOf(lines, start, end);
  const gap = root.header > start + 1 ? ['\t…'] : [];
  return [...excerptOf(lines, start, start + 1), ...gap, ...excerptOf(lines, root.header, end)].slice(0, MAX_EXCERPT_LINES);
}

function exception(lines: string[], start: number): Found | undefined {
  const first = EXCEPTION_FIRST.exec(lines[start]!);
  if (!first) return undefined;
  const { sections, frames, end } = exceptionSections(lines, start, first[1]!);
  // A line that merely names an error class is a log line, not a crash: require a stack.
  if (frames === 0) return undefined;
  // The last "Caused by:" is the root cause: what the wrappers above it (InvocationTargetException,
  // a framework's "failed to start") are about, and where to look.
  const root = sections[sections.length - 1]!;
  const f = root.frame ?? [...sections].reverse().find((s) => s.frame)?.frame;
  const s: CrashSummary = { kind: 'exception', message: shownMessage(root.message), atLine: start + 1, excerpt: exceptionExcerpt(lines, start, root, end) };
  if (f) s.frame = f;
  return { crash: s, end };
}

/** A JSON log line at level fatal/panic (zap, logrus, slog), with its caller when it names one. */
function jsonFatal(line: string, index: number): Found | undefined {
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
  const s: CrashSummary = { kind: 'go-log-fatal', message: shownMessage(msg), atLine: index + 1, excerpt: excerptOf([line], 0, 1) };
  const caller = typeof rec.caller === 'string' ? /^(.*\.go):(\d+)$/.exec(rec.caller) : null;
  if (caller) s.frame = frame(undefined, caller[1]!, Number(caller[2]));
  return { crash: s, end: index + 1 };
}

function klogFatal(lines: string[], i: number): Found | undefined {
  const k = KLOG_FATAL.exec(lines[i]!);
  if (!k) return undefined;
  const crash: CrashSummary = { kind: 'klog-fatal', message: shownMessage(k[3]!), frame: frame(undefined, k[1]!, Number(k[2])), atLine: i + 1, excerpt: excerptOf(lines, i, i + 1), exitCode: 255, exitCodeFrom: 'inferred' };
  return { crash, end: i + 1 };
}

export interface ParseOptions {
  /** From the Pod status (lastState.terminated.exitCode): wins over what the crash's kind implies. */
  exitCode?: number;
}

/**
 * Exit codes of a process killed by a signal sent from outside: SIGKILL (the OOM killer, the
 * kubelet after a failed liveness probe or the grace period), SIGTERM, SIGINT, SIGHUP. Such a
 * process writes nothing about why it stopped, so whatever exception its log shows was survived.
 * SIGABRT and SIGSEGV (134, 139) are left out: a runtime raises them itself and prints why first.
 */
const KILLED_FROM_OUTSIDE = new Set([128 + 1, 128 + 2, 128 + 9, 128 + 15]);

/**
 * The crash the log ends with, or undefined when it shows none. The newest crash wins: a previous
 * log belongs to one container instance, so a second panic in it would be a recovered one.
 */
export function parseCrashLog(text: string, opts: ParseOptions = {}): CrashSummary | undefined {
  if (opts.exitCode !== undefined && KILLED_FROM_OUTSIDE.has(opts.exitCode)) return undefined;
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const found = findCrash(lines, opts);
  if (!found) return undefined;
  if (opts.exitCode !== undefined) {
    found.exitCode = opts.exitCode;
    found.exitCodeFrom = 'status';
  }
  return found;
}

function crashAt(lines: string[], i: number): Found | undefined {
  const l = lines[i]!;
  if (GO_CRASH.test(l)) {
    // "panic: …" right after another panic line is the re-panic of a chain; the chain starts above.
    let start = i;
    while (start > 0 && /^(panic: .*\[recovered(?:, repanicked)?\]|\tpanic: .*)$/.test(lines[start - 1]!)) start--;
    return goCrash(lines, start !== i && GO_CRASH.test(lines[start]!) ? start : i);
  }
  // The outermost traceback of a chain is the first; the one that ended the process is the last.
  if (l.startsWith('Traceback (most recent call last):')) return pythonTraceback(lines, i);
  return klogFatal(lines, i) ?? jsonFatal(l, i) ?? exception(lines, i);
}

function findCrash(lines: string[], opts: ParseOptions): CrashSummary | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const found = crashAt(lines, i);
    if (!found) continue;
    // Any older crash has this one's trailing lines after it too: none can end the log either.
    if (endsLog(lines, found.end)) return found.crash;
    break;
  }
  return logFatal(lines, opts);
}

// What a runtime, a launcher or a shell prints after a crash, and Go's register dump
// (GOTRACEBACK=crash): never a sign that the app went on.
const RUNTIME_LINE =
  /^(?:exit status \d+|Node\.js v\d\S*|runtime stack:|runtime: .*|SIG[A-Z]+: .*|PC=0x.*|[a-z][a-z0-9]{1,5} +0x[0-9a-f]+|npm (?:ERR!|error|warn|notice)\b.*|error Command failed with exit code \d+\.|info Visit https:\/\/yarnpkg\.com\S* for documentation about this command\.)$/;
// A line an app writes while it runs: a timestamp, a klog header, a level first, JSON or logfmt.
const APP_LOG_LINE =
  /^(?:\[?\d{4}[-/]\d{2}[-/]\d{2}\b|\[?\d{2}:\d{2}:\d{2}\b|[IWEF]\d{4} \d{2}:\d{2}:\d{2}|\[?(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|FATAL|CRITICAL)\b|\{".*\}\s*$|(?:time|ts|level|lvl)=)/;
// ...unless it says the app is going down because of the crash: a server's master reporting its
// worker's death (gunicorn), a framework closing its pools after a failed start.
const EXIT_LOG_LINE = /\b(?:exit(?:ing|ed)|shut(?:ting)? ?down|stopp(?:ing|ed)|terminat(?:ing|ed)|failed to (?:boot|start)|closing)\b/i;

/** Blank, a stack line (indented with a tab, "  at …", a goroutine header or a Go function line), or the runtime's. */
function isCrashOutput(lines: string[], i: number): boolean {
  const l = lines[i]!;
  return (
    l.trim() === '' ||
    l.startsWith('\t') ||
    /^\s+at /.test(l) ||
    GOROUTINE.test(l) ||
    /^created by /.test(l) ||
    l === '...additional frames elided...' ||
    GO_FRAME_FILE.test(lines[i + 1] ?? '') ||
    RUNTIME_LINE.test(l)
  );
}

/** Whether only what a crash leaves behind follows `from`: see MAX_TRAILING_LINES. */
function endsLog(lines: string[], from: number): boolean {
  let other = 0;
  for (let i = from; i < lines.length; i++) {
    if (isCrashOutput(lines, i)) continue;
    const l = lines[i]!;
    if ((APP_LOG_LINE.test(l) && !EXIT_LOG_LINE.test(l)) || ++other > MAX_TRAILING_LINES) return false;
  }
  return true;
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
  const s: CrashSummary = { kind: 'go-log-fatal', message: shownMessage(m[3]!), atLine: i + 1, excerpt: excerptOf(lines, i, i + 1), exitCode: 1, exitCodeFrom: 'inferred' };
  if (m[1]) s.frame = frame(undefined, m[1], Number(m[2]));
  return s;
}

/** `file.go:42`: how the UI names a frame. */
export const frameLabel = (f: CrashFrame): string => `${f.file}:${f.line}`;
