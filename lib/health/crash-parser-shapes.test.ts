/**
 * The crash parser on real output that once misled it (__fixtures__/crashes/README.md says where
 * each came from): where a crash must sit in the log to count, which Go frame raised a panic, and
 * Java traces whose frames have no line number or whose root cause is a "Caused by:".
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { frameLabel, MAX_TRAILING_LINES, parseCrashLog } from './crash-parser';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/crashes/${name}`, import.meta.url), 'utf8');

const appLines = (n: number, line: (i: number) => string) => Array.from({ length: n }, (_, i) => line(i)).join('\n');

describe('only a crash the log ends with counts', () => {
  // The app handled and logged a traceback (logging.exception), printed "serving" and went on.
  const python = fixture('python-logged-then-raised.txt');
  const pythonLogged = `${python.slice(0, python.indexOf('serving\n'))}serving\n${appLines(300, (i) => `INFO:root:request ${i} ok`)}\n`;
  // What logback prints for a logged exception, then the app going on.
  const javaLogged = (after: number) =>
    `2026-11-26 ERROR c.x.Svc - retrying\njava.io.IOException: upstream reset\n\tat com.x.Client.call(Client.java:88)\n\tat com.x.Svc.run(Svc.java:12)\n${appLines(after, (i) => `2026-11-26 INFO request ${i} ok`)}\n`;

  it('OOMKilled (137): no exception in the log is why, however recent', () => {
    expect(parseCrashLog(pythonLogged, { exitCode: 137 })).toBeUndefined();
    expect(parseCrashLog(javaLogged(300), { exitCode: 137 })).toBeUndefined();
    // Even one the log ends with: a killed process wrote nothing about being killed.
    expect(parseCrashLog(fixture('java-invocation-target.txt'), { exitCode: 137 })).toBeUndefined();
    expect(parseCrashLog(fixture('go-errpanic.txt'), { exitCode: 143 })).toBeUndefined();
  });

  it('a traceback the app logged and survived is no crash, whatever the exit code', () => {
    expect(parseCrashLog(pythonLogged, { exitCode: 1 })).toBeUndefined();
    expect(parseCrashLog(pythonLogged)).toBeUndefined();
  });

  it('an exception followed by the app’s own log lines is no crash, even a few', () => {
    expect(parseCrashLog(javaLogged(300), { exitCode: 1 })).toBeUndefined();
    expect(parseCrashLog(javaLogged(2), { exitCode: 1 })).toBeUndefined();
  });

  it('more unrecognised lines after it than a crash leaves behind: no crash', () => {
    const plain = `${javaLogged(0)}${appLines(MAX_TRAILING_LINES + 1, (i) => `handled request ${i}`)}\n`;
    expect(parseCrashLog(plain, { exitCode: 1 })).toBeUndefined();
    const fewer = `${javaLogged(0)}${appLines(3, (i) => `handled request ${i}`)}\n`;
    expect(parseCrashLog(fewer, { exitCode: 1 })?.message).toBe('java.io.IOException: upstream reset');
  });

  it('the crash that ended the process still wins over the logged one above it', () => {
    const s = parseCrashLog(python, { exitCode: 1 })!;
    expect(s).toMatchObject({ kind: 'python-traceback', message: 'E: config', frame: { file: 'a.py', line: 15 } });
  });

  it('the app’s own lines about going down do not hide it: gunicorn’s master after its worker failed to boot', () => {
    const text = `[2026-11-26 06:00:00 +0000] [7] [ERROR] Exception in worker process
Traceback (most recent call last):
  File "/usr/local/lib/python3.11/site-packages/gunicorn/arbiter.py", line 609, in spawn_worker
    worker.init_process()
  File "/app/app.py", line 3, in <module>
    DB = os.environ["DATABASE_URL"]
         ~~~~~~~~~~^^^^^^^^^^^^^^^^
  File "<frozen os>", line 679, in __getitem__
KeyError: 'DATABASE_URL'
[2026-11-26 06:00:00 +0000] [7] [INFO] Worker exiting (pid: 7)
[2026-11-26 06:00:01 +0000] [1] [ERROR] Worker (pid:7) exited with code 3
[2026-11-26 06:00:01 +0000] [1] [ERROR] Shutting down: Master
[2026-11-26 06:00:01 +0000] [1] [ERROR] Reason: Worker failed to boot.
`;
    expect(parseCrashLog(text, { exitCode: 3 })).toMatchObject({ kind: 'python-traceback', message: "KeyError: 'DATABASE_URL'" });
  });

  it('what a runtime prints after its crash does not hide it: Node’s error event and error object', () => {
    const s = parseCrashLog(fixture('node-econnrefused.txt'), { exitCode: 1 })!;
    expect(s).toMatchObject({ kind: 'exception', message: 'Error: connect ECONNREFUSED 127.0.0.1:1' });
  });

  it('a Go panic followed by the other goroutines (GOTRACEBACK=all), the register dump and `exit status`', () => {
    const others = appLines(200, (i) => `goroutine ${i + 2} [chan receive]:\nmain.worker(0xc000010000)\n\t/src/app/main.go:20 +0x25\ncreated by main.main in goroutine 1\n\t/src/app/main.go:12 +0x45\n`);
    const regs = 'SIGABRT: abort\nPC=0x46e0e1 m=0 sigcode=18446744073709551610\n\nrax    0x0\nrbx    0x3\nrip    0x46e0e1\nrflags 0x246\n';
    const s = parseCrashLog(`${fixture('go-errpanic.txt')}\n${others}\n${regs}exit status 2\n`, { exitCode: 2 })!;
    expect(s.kind).toBe('go-panic');
    expect(frameLabel(s.frame!)).toBe('main.go:10');
  });
});

describe('the Go frame that raised the panic', () => {
  it('a recover that re-panics: the nil-map write below the runtime’s panic frame, not the deferred recover', () => {
    const s = parseCrashLog(fixture('go-repanic.txt'), { exitCode: 2 })!;
    expect(s.message).toBe('assignment to entry in nil map');
    expect(s.frame).toMatchObject({ function: 'main.handler', file: 'main.go', line: 10 });
  });

  it('log.Panicf: the caller, not log.go', () => {
    const s = parseCrashLog(fixture('go-log-panicf.txt'), { exitCode: 2 })!;
    expect(s.message).toBe('cannot load config');
    expect(s.frame).toMatchObject({ function: 'main.load', file: 'main.go', line: 6 });
  });

  it('a negative WaitGroup counter: the Done() call, not waitgroup.go', () => {
    const s = parseCrashLog(fixture('go-waitgroup.txt'), { exitCode: 2 })!;
    expect(s.message).toBe('sync: negative WaitGroup counter');
    expect(s.frame).toMatchObject({ function: 'main.main', file: 'main.go', line: 7 });
  });

  it('a module path without a dot is told from the standard library by GOROOT when a runtime frame shows it', () => {
    const text = `panic: boom

goroutine 1 [running]:
panic({0x4839c0?, 0x521c70?})
\t/usr/local/go/src/runtime/panic.go:860 +0x13a
encoding/json.Marshal({0x0, 0x0})
\t/usr/local/go/src/encoding/json/encode.go:160 +0x45
app/internal/render.Page(...)
\t/src/app/internal/render/page.go:31
main.main()
\t/src/app/main.go:9 +0x25
`;
    expect(parseCrashLog(text)!.frame).toMatchObject({ function: 'app/internal/render.Page', line: 31 });
  });

  it('a standard-library frame when the stack has nothing else (-trimpath, a goroutine net/http started)', () => {
    const text = `panic: runtime error: slice bounds out of range

goroutine 9 [running]:
net/http.(*conn).serve(0xc0000a2000, {0x6b3e28, 0xc000080000})
\tnet/http/server.go:2093 +0x6ad
created by net/http.(*Server).Serve in goroutine 1
\tnet/http/server.go:3360 +0x485
`;
    expect(parseCrashLog(text)!.frame).toMatchObject({ function: 'net/http.(*conn).serve', file: 'server.go', line: 2093 });
  });
});

describe('Java traces', () => {
  it('InvocationTargetException whose first frame is a native method: the root cause and its frame', () => {
    const text = fixture('java-invocation-target.txt');
    const s = parseCrashLog(text, { exitCode: 1 })!;
    expect(s.kind).toBe('exception');
    expect(s.message).toBe('java.lang.NumberFormatException: For input string: "x"');
    expect(s.frame).toMatchObject({ function: 'Main.parse', file: 'Main.java', line: 2 });
    expect(s.atLine).toBe(1);
    // The top exception line stays first; the root cause follows.
    expect(s.excerpt[0]).toBe('Exception in thread "main" java.lang.reflect.InvocationTargetException');
    expect(s.excerpt).toContain('Caused by: java.lang.NumberFormatException: For input string: "x"');
    expect(s.excerpt).toContain('\tat Main.parse(Main.java:2)');
  });

  it('a Spring Boot fat jar: frames with (Unknown Source) and ~[app.jar] suffixes, "... N more", a suppressed exception', () => {
    const text = `Exception in thread "main" java.lang.reflect.InvocationTargetException
\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)
\tat java.base/java.lang.reflect.Method.invoke(Unknown Source)
\tat org.springframework.boot.loader.MainMethodRunner.run(MainMethodRunner.java:49) ~[app.jar:1.0]
\tat org.springframework.boot.loader.JarLauncher.main(JarLauncher.java:88) ~[app.jar:1.0]
Caused by: org.springframework.context.ApplicationContextException: Failed to start bean 'dataSource'
\tat org.springframework.context.support.DefaultLifecycleProcessor.doStart(DefaultLifecycleProcessor.java:181) ~[spring-context-6.1.3.jar!/:6.1.3]
\tat com.acme.shop.ShopApplication.main(ShopApplication.java:12) ~[classes!/:1.0]
\t... 2 more
\tSuppressed: java.lang.IllegalStateException: pool closed
\t\tat com.zaxxer.hikari.HikariDataSource.close(HikariDataSource.java:350) ~[HikariCP-5.0.1.jar!/:na]
Caused by: java.net.ConnectException: Connection refused
\tat java.base/sun.nio.ch.Net.connect0(Native Method)
\tat com.acme.shop.db.Pool.open(Unknown Source) ~[classes!/:1.0]
\tat com.acme.shop.db.Pool.start(Pool.java:57) ~[classes!/:1.0]
\t... 9 common frames omitted
`;
    const s = parseCrashLog(text, { exitCode: 1 })!;
    expect(s.message).toBe('java.net.ConnectException: Connection refused');
    expect(s.frame).toMatchObject({ function: 'com.acme.shop.db.Pool.start', file: 'Pool.java', line: 57 });
    expect(s.excerpt.slice(0, 3)).toEqual(['Exception in thread "main" java.lang.reflect.InvocationTargetException', '\t…', 'Caused by: java.net.ConnectException: Connection refused']);
  });

  it('a root cause without a frame of its own: the nearest cause above that has one', () => {
    const text = `Exception in thread "main" java.lang.IllegalStateException: startup failed
\tat com.acme.App.start(App.java:17)
\tat com.acme.App.main(App.java:9)
Caused by: java.io.FileNotFoundException: /etc/app/config.yaml
\tat java.base/java.io.FileInputStream.open0(Native Method)
\t... 2 more
`;
    const s = parseCrashLog(text, { exitCode: 1 })!;
    expect(s.message).toBe('java.io.FileNotFoundException: /etc/app/config.yaml');
    expect(s.frame).toMatchObject({ file: 'App.java', line: 17 });
    const lines = text.trimEnd().split('\n');
    expect(s.excerpt).toEqual([lines[0], '\t…', ...lines.slice(3)]);
  });
});
