import { describe, expect, it } from 'vitest';
import { parseCrashLog } from './crash-parser';
import { MASK, maskSecrets } from './log-mask';

describe('maskSecrets: shapes of credentials seen in real logs', () => {
  it.each([
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl', 'eyJhbGci'],
    ['db url postgres://app:hunter2@db:5432/app', 'hunter2'],
    ['password=hunter2 user=bob', 'hunter2'],
    ['{"api_key": "k-123456", "user": "bob"}', 'k-123456'],
    ['AWS key AKIAIOSFODNN7EXAMPLE used', 'AKIAIOSFODNN7EXAMPLE'],
    ['gh token ghp_0123456789abcdefghijABCDEFGHIJ012345', 'ghp_0123'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----', 'MIIEow'],
    ['secret blob Zm9vYmFyQmF6UXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A=', 'Zm9vYmFy'],
    ['redis://:hunter2pass@redis:6379/0', 'hunter2pass'],
    ['postgres://app:pa/ss@db:5432/app', 'pa/ss'],
    ['mongodb+srv://app:p@ssw0rd@cluster0.example.net/db', 'ssw0rd'],
    ['{"msg":"config loaded: {\\"password\\":\\"hunter2\\",\\"user\\":\\"app\\"}"}', 'hunter2'],
    ['starting with --password hunter2 --verbose', 'hunter2'],
    ['Authorization: token 0123456789abcdef0123456789abcdef01234567', '0123456789abcdef'],
    ['AccountKey=abcDEF123+/abcDEF123+/abcDEF123+/abcDEF123+/abcDEF123==;', 'abcDEF123'],
    ['dsn: "app:hunter2@tcp(db:3306)/app"', 'hunter2'],
    ['pass: "a\\"b hunter2"', 'hunter2'],
    ['npm token npm_abcdefghijklmnopqrstuvwxyz0123456789', 'npm_abcdef'],
    ['vault hvs.CAESIJ0123456789abcdefghijklmnopqrstuv', 'hvs.CAESIJ'],
  ])('%s', (text, hidden) => {
    const out = maskSecrets(text);
    expect(out).not.toContain(hidden);
    expect(out).toContain(MASK);
  });

  it('keeps file paths of stack frames readable, random build directories included', () => {
    const frames = '\t/tmp/driftwatch-crashy-Xy9AbC1234567890qwertyZ/nilmap/main.go:8 +0x65\n\t/home/Builder7/go/pkg/mod/github.com/Acme9/op@v1.2.3/controllers/reconcileLoopHandler2/x.go:14';
    expect(maskSecrets(frames)).toBe(frames);
  });

  it('keeps what is not secret readable: hashes, UIDs, messages', () => {
    const text = 'pod uid 63674389-f613-11e8-a057-fe5f49266390 image sha256:621c2f39f8133acb8e64023a94dbdf0d5ca81896102b9e57c0dc184cadaf5528 panic: assignment to entry in nil map';
    expect(maskSecrets(text)).toBe(text);
  });

  it('keeps the quoting of a masked value inside JSON text inside a JSON log line', () => {
    expect(maskSecrets('{"msg":"{\\"token\\":\\"abc\\"}"}')).toBe(`{"msg":"{\\"token\\":\\"${MASK}\\"}"}`);
  });

  it('leaves ordinary messages about passwords and flags without values readable', () => {
    const text = 'FATAL: password authentication failed for user "app" --password-file /etc/app/pw --verbose';
    expect(maskSecrets(text)).toBe(text.replace('/etc/app/pw', MASK));
    expect(maskSecrets('listening on http://0.0.0.0:8080/healthz')).toBe('listening on http://0.0.0.0:8080/healthz');
  });

  // Lines like these once took the matcher time growing with the square of their length (a 64 KiB
  // panic value held the server's thread for 21 s; `eyJ-` repeated over 256 KiB, 74 s); each is one
  // line a Pod can write. Masked in one pass they take well under a second: the timeout is a guard
  // against a hang, with room for a slow machine, not a speed target (bench scripts measure those).
  it.each([
    ['a word of 256 KiB', 'x'.repeat(256 * 1024)],
    ['a hex dump of 256 KiB', '0123456789abcdef'.repeat(16 * 1024)],
    ['dotted words', 'a.'.repeat(128 * 1024)],
    ['key words without values', 'password'.repeat(32 * 1024)],
    ['backslashes and quotes', '\\"'.repeat(128 * 1024)],
    ['scheme separators', 'a://'.repeat(64 * 1024)],
    ['colons', 'a:'.repeat(128 * 1024)],
    ['base64-like words', 'aB3-'.repeat(64 * 1024)],
    ['JWT starts', 'eyJ-'.repeat(64 * 1024)],
    ['Slack token starts', 'xoxb-'.repeat(52 * 1024)],
    ['GitLab token starts', 'glpat-'.repeat(44 * 1024)],
  ])('masks %s in one pass', (_name, text) => {
    expect(maskSecrets(text).length).toBeGreaterThan(0);
  }, 15_000);

  it("hides every line of a private key in a crash's excerpt, not only those that look random", () => {
    const key = ['-----BEGIN RSA PRIVATE KEY-----', 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun', 'p+x7B3R1F/oAqAy8M/Gu5TLoGw==', '-----END RSA PRIVATE KEY-----'];
    const log = ['panic: bad key:', ...key.map((l) => `\t${l}`), '', 'goroutine 1 [running]:', 'main.main()', '\t/src/main.go:9 +0x1d', ''].join('\n');
    const crash = parseCrashLog(log, { exitCode: 2 });
    expect(crash?.kind).toBe('go-panic');
    const shown = JSON.stringify(crash);
    for (const secret of ['MIIEow', 'p+x7B3R1F', 'Gu5TLoGw']) expect(shown).not.toContain(secret);
    expect(crash?.excerpt).toContain('main.main()');
  });
});
