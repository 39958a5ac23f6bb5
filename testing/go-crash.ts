/**
 * Real crash output for tests: tiny Go programs that crash the way services do (nil map write,
 * nil pointer, index out of range, log.Fatal, a panic in another goroutine), built outside the
 * repository's modules (GOFLAGS=-mod=mod, its own go.mod in a temp dir; the build cache is shared
 * with test-cluster/) and run. Go is required anyway for test-cluster/.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export function goBinary(): string {
  if (process.env.GO) return process.env.GO;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && existsSync(join(dir, 'go'))) return join(dir, 'go');
  return '/usr/local/go/bin/go';
}

/** Each program marks the line that crashes with `// CRASH`; the test reads the expected line from it. */
export const programs = {
  nilmap: `package main

import "fmt"

type operator struct{ specs map[string]string }

func (o *operator) reconcile(uid string) {
	o.specs[uid] = "rewritten" // CRASH
}

func main() {
	fmt.Println("reconciling pod specs, token=s3cr3t-t0ken-value")
	o := &operator{}
	o.reconcile("63674389")
}
`,
  nilptr: `package main

type config struct{ replicas int }

func replicas(c *config) int {
	return c.replicas // CRASH
}

func main() {
	var c *config
	println(replicas(c))
}
`,
  index: `package main

import "os"

func pick(args []string, i int) string {
	return args[i] // CRASH
}

func main() { println(pick(os.Args, 5)) }
`,
  logfatal: `package main

import "log"

func main() {
	log.SetFlags(log.LstdFlags | log.Lshortfile)
	log.Println("connecting to postgres://app:hunter2@db:5432/app")
	log.Fatal("cannot connect to database: connection refused") // CRASH
}
`,
  logfatalplain: `package main

import "log"

func main() {
	log.Print("starting")
	log.Fatal("config file /etc/app/config.yaml: no such file or directory") // CRASH
}
`,
  goroutine: `package main

import "time"

func worker(m map[string]int) {
	m["jobs"]++ // CRASH
}

func main() {
	go worker(nil)
	time.Sleep(5 * time.Second)
}
`,
} as const;

export type ProgramName = keyof typeof programs;

export const crashLine = (name: ProgramName): number => programs[name].split('\n').findIndex((l) => l.includes('// CRASH')) + 1;

export interface GoRun {
  output: string;
  exitCode: number;
}

function exec(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<GoRun> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { ...opts, maxBuffer: 16 << 20, timeout: 170_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      if (err && code === -1) return reject(err);
      resolve({ output: stdout + stderr, exitCode: code });
    });
  });
}

/**
 * Builds the named programs in one `go build` and runs each once. `traceback` sets GOTRACEBACK
 * per program (default `single`).
 */
export async function runGoCrashes<N extends ProgramName>(names: readonly N[], traceback: Partial<Record<N, string>> = {}): Promise<Record<N, GoRun>> {
  const work = mkdtempSync(join(tmpdir(), 'driftwatch-crashy-'));
  try {
    writeFileSync(join(work, 'go.mod'), 'module example.com/crashy\n\ngo 1.22\n');
    for (const name of names) {
      mkdirSync(join(work, name));
      writeFileSync(join(work, name, 'main.go'), programs[name]);
    }
    const env = { ...process.env, GOFLAGS: '-mod=mod', GOWORK: 'off', CGO_ENABLED: '0' };
    const build = await exec(goBinary(), ['build', '-o', join(work, 'bin') + '/', './...'], { cwd: work, env });
    if (build.exitCode !== 0) throw new Error(`go build failed:\n${build.output}`);
    const runs = {} as Record<N, GoRun>;
    for (const name of names) {
      runs[name] = await exec(join(work, 'bin', name), [], { cwd: work, env: { ...process.env, GOTRACEBACK: traceback[name] ?? 'single' } });
    }
    return runs;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
