/**
 * The crash parser on real crash output: tiny Go programs built and run here (Go is required, as
 * for test-cluster/), plus the shapes of Python, Node and Java crashes as those runtimes print them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { crashLine, programs, runGoCrashes, type GoRun, type ProgramName } from '../../testing/go-crash';
import { frameLabel, parseCrashLog } from './crash-parser';
import { MASK } from './log-mask';

let runs: Record<ProgramName, GoRun>;

beforeAll(async () => {
  // GOTRACEBACK=all prints every goroutine, as many services set it; the panicking one comes first.
  runs = await runGoCrashes(Object.keys(programs) as ProgramName[], { nilptr: 'all' });
}, 180_000);

describe('Go crashes from real programs', () => {
  it('nil map write: message, goroutine, the frame that wrote, exit code 2', () => {
    const r = runs.nilmap;
    expect(r.exitCode).toBe(2);
    const s = parseCrashLog(r.output, { exitCode: r.exitCode })!;
    expect(s.kind).toBe('go-panic');
    expect(s.message).toBe('assignment to entry in nil map');
    expect(s.goroutine).toEqual({ id: 1, state: 'running' });
    expect(s.frame).toMatchObject({ file: 'main.go', line: crashLine('nilmap'), function: 'main.(*operator).reconcile' });
    expect(s.frame?.path.endsWith('/nilmap/main.go')).toBe(true);
    expect(frameLabel(s.frame!)).toBe(`main.go:${crashLine('nilmap')}`);
    expect(s.exitCode).toBe(2);
    expect(s.exitCodeFrom).toBe('status');
    expect(s.atLine).toBe(2);
  });

  it('nil pointer dereference (GOTRACEBACK=all): the signal line, the first user frame', () => {
    const r = runs.nilptr;
    expect(r.exitCode).toBe(2);
    const s = parseCrashLog(r.output)!;
    expect(s.kind).toBe('go-panic');
    expect(s.message).toBe('runtime error: invalid memory address or nil pointer dereference');
    expect(s.signal).toMatch(/^signal SIGSEGV: segmentation violation/);
    expect(s.goroutine?.id).toBe(1);
    expect(s.frame).toMatchObject({ file: 'main.go', line: crashLine('nilptr'), function: 'main.replicas' });
    expect(s.exitCode).toBe(2);
    expect(s.exitCodeFrom).toBe('inferred');
  });

  it('index out of range', () => {
    const r = runs.index;
    const s = parseCrashLog(r.output, { exitCode: r.exitCode })!;
    expect(s.message).toBe('runtime error: index out of range [5] with length 1');
    expect(s.frame).toMatchObject({ file: 'main.go', line: crashLine('index'), function: 'main.pick' });
  });

  it('a panic in another goroutine names that goroutine', () => {
    const r = runs.goroutine;
    const s = parseCrashLog(r.output, { exitCode: r.exitCode })!;
    expect(s.message).toBe('assignment to entry in nil map');
    expect(s.goroutine?.id).toBeGreaterThan(1);
    expect(s.frame).toMatchObject({ file: 'main.go', line: crashLine('goroutine'), function: 'main.worker' });
  });

  it('log.Fatal with Lshortfile: message, file and line, exit code 1; the earlier credential is masked', () => {
    const r = runs.logfatal;
    expect(r.exitCode).toBe(1);
    const s = parseCrashLog(r.output, { exitCode: r.exitCode })!;
    expect(s.kind).toBe('go-log-fatal');
    expect(s.message).toBe('cannot connect to database: connection refused');
    expect(s.frame).toMatchObject({ file: 'main.go', line: crashLine('logfatal') });
    expect(s.exitCode).toBe(1);
    expect(JSON.stringify(s)).not.toContain('hunter2');
  });

  it('log.Fatal with default flags: the message, no frame; only recognised with exit code 1', () => {
    const r = runs.logfatalplain;
    expect(r.exitCode).toBe(1);
    const s = parseCrashLog(r.output, { exitCode: 1 })!;
    expect(s.kind).toBe('go-log-fatal');
    expect(s.message).toBe('config file /etc/app/config.yaml: no such file or directory');
    expect(s.frame).toBeUndefined();
    expect(parseCrashLog(r.output, { exitCode: 0 })).toBeUndefined();
  });

  it('finds the panic after a long log and masks tokens in the excerpt', () => {
    const noise = Array.from({ length: 2000 }, (_, i) => `I1126 06:00:${String(i % 60).padStart(2, '0')} line ${i} Authorization: Bearer abcdef0123456789`).join('\n');
    const s = parseCrashLog(`${noise}\n${runs.nilmap.output}`)!;
    expect(s.message).toBe('assignment to entry in nil map');
    expect(s.atLine).toBe(2002);
    expect(s.excerpt[0]).toBe('panic: assignment to entry in nil map');
    expect(s.excerpt.join('\n')).not.toContain('abcdef0123456789');
  });

  it('a concurrent map write is a fatal error with the user frame', () => {
    const text = `fatal error: concurrent map writes

goroutine 18 [running]:
internal/runtime/maps.fatal({0x49255d?, 0x0?})
	/usr/local/go/src/runtime/panic.go:1181 +0x18
main.main.func1()
	/src/app/main.go:8 +0x2d
created by main.main in goroutine 1
	/src/app/main.go:6 +0x25
`;
    const s = parseCrashLog(text)!;
    expect(s.kind).toBe('go-fatal-error');
    expect(s.message).toBe('concurrent map writes');
    expect(s.goroutine).toEqual({ id: 18, state: 'running' });
    expect(s.frame).toMatchObject({ function: 'main.main.func1', file: 'main.go', line: 8 });
  });

  it('a re-panicked value reports the first (the cause) and where it was raised, below the deferred recover', () => {
    const text = `panic: assignment to entry in nil map [recovered]
	panic: assignment to entry in nil map

goroutine 7 [running]:
main.handle.func1()
	/src/app/server.go:30 +0x90
panic({0x4ae6c0?, 0x57e2d0?})
	/usr/local/go/src/runtime/panic.go:879 +0x16f
main.handle(0x0)
	/src/app/server.go:35 +0x65
`;
    const s = parseCrashLog(text)!;
    expect(s.message).toBe('assignment to entry in nil map');
    expect(s.frame).toMatchObject({ function: 'main.handle', file: 'server.go', line: 35 });
  });

  it('klog fatal lines', () => {
    const s = parseCrashLog('I1126 06:03:38.000001   12 main.go:10] starting\nF1126 06:03:39.123456   12 controller.go:88] failed to sync informer caches\n')!;
    expect(s).toMatchObject({ kind: 'klog-fatal', message: 'failed to sync informer caches', frame: { file: 'controller.go', line: 88 } });
  });

  it('zap-style JSON fatal lines with their caller', () => {
    const s = parseCrashLog('{"level":"info","msg":"ok"}\n{"level":"fatal","ts":1,"caller":"cmd/main.go:77","msg":"unable to start manager","error":"no kind is registered"}\n')!;
    expect(s).toMatchObject({ kind: 'go-log-fatal', message: 'unable to start manager', frame: { file: 'main.go', line: 77 } });
  });
});

describe('other runtimes', () => {
  it('Python: the traceback’s last line and the innermost frame', () => {
    const text = `INFO starting worker
Traceback (most recent call last):
  File "/app/worker.py", line 42, in <module>
    main()
  File "/app/worker.py", line 38, in main
    cfg = load(os.environ["CONFIG"])
  File "/usr/lib/python3.12/os.py", line 714, in __getitem__
    raise KeyError(key) from None
KeyError: 'CONFIG'
`;
    const s = parseCrashLog(text, { exitCode: 1 })!;
    expect(s).toMatchObject({ kind: 'python-traceback', message: "KeyError: 'CONFIG'", frame: { file: 'os.py', line: 714 }, exitCode: 1, atLine: 2 });
  });

  it('Node: the uncaught exception’s first line and the first frame outside node internals', () => {
    const text = `/app/server.js:12
    throw new Error('boom: password=hunter2');
    ^

Error: boom: password=hunter2
    at Object.<anonymous> (/app/server.js:12:11)
    at Module._compile (node:internal/modules/cjs/loader:1554:14)
    at node:internal/main/run_main_module:28:49

Node.js v22.11.0
`;
    const s = parseCrashLog(text)!;
    expect(s.kind).toBe('exception');
    expect(s.message).toBe(`Error: boom: password=${MASK}`);
    expect(s.frame).toMatchObject({ file: 'server.js', line: 12 });
  });

  it('Java: the exception line and the first application frame', () => {
    const text = `Exception in thread "main" java.lang.IllegalStateException: no datasource
\tat java.base/java.util.Objects.requireNonNull(Objects.java:233)
\tat com.acme.App.start(App.java:17)
\tat com.acme.App.main(App.java:9)
`;
    const s = parseCrashLog(text)!;
    expect(s.message).toBe('java.lang.IllegalStateException: no datasource');
    expect(s.frame).toMatchObject({ file: 'App.java', line: 17 });
  });

  it('an ordinary log is no crash', () => {
    expect(parseCrashLog('starting\nlistening on :8080\nError: retrying in 5s\n')).toBeUndefined();
    expect(parseCrashLog('')).toBeUndefined();
  });
});
