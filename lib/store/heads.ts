/**
 * Episode heads (last transition and count per episode) are not written with every transition:
 * that was one random-position upsert per transition, as costly as the transition itself. The
 * store writes the heads of open episodes at checkpoints (at most every `HEADS_CHECKPOINT_MS`,
 * and at every flush), a closing episode's head with its close, and beside each checkpoint a
 * watermark in `id_blocks` ('heads_watermark'): every transition with an id at or below it is
 * counted in the heads. Transition ids grow in the order the store derives them, so what an open
 * episode's head lacks is exactly its transitions above the watermark (the "tail"): readers add
 * the tail in the same statement, and opening the store folds it into the heads after a crash.
 */
import type { Backend } from './backend';

export const HEADS_WATERMARK = 'heads_watermark';

/** How often, at most, the heads of open episodes are checkpointed while writes go on. */
export const HEADS_CHECKPOINT_MS = 1_000;

/** Upserts the watermark; one parameter. */
export const SET_HEADS_WATERMARK_SQL = `INSERT INTO id_blocks (name, next) VALUES ('${HEADS_WATERMARK}', ?) ON CONFLICT (name) DO UPDATE SET next = excluded.next`;

/** SQL of the watermark (NULL in a database written before checkpoints: its heads are exact). */
export const HEADS_WATERMARK_SQL = `(SELECT next FROM id_blocks WHERE name = '${HEADS_WATERMARK}')`;

/**
 * Makes the heads of open episodes exact and the watermark the newest transition, in one
 * transaction; run at open, before the store writes. After a crash the tail is at most what was
 * committed since the last checkpoint.
 */
export async function recoverHeads(db: Backend): Promise<void> {
  await db.transaction([
    [
      `INSERT INTO episode_heads (episode_id, last_tid, n)
       SELECT t.episode_id, MAX(t.id), COUNT(*) FROM transitions t JOIN episodes e ON e.id = t.episode_id
       WHERE t.id > ${HEADS_WATERMARK_SQL} AND e.closed_at IS NULL
       GROUP BY t.episode_id
       ON CONFLICT (episode_id) DO UPDATE SET last_tid = excluded.last_tid, n = episode_heads.n + excluded.n`,
      [],
    ],
    [
      `INSERT INTO id_blocks (name, next) VALUES ('${HEADS_WATERMARK}', (SELECT COALESCE(MAX(id), 0) FROM transitions))
       ON CONFLICT (name) DO UPDATE SET next = excluded.next`,
      [],
    ],
  ]);
}
