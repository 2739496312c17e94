/**
 * The ingest's commit hook: the one way another part takes part in a group commit. A hook may
 * refuse an article before it is numbered (`vet`), add its own records to the batch that
 * accepts an article (`CommitStage.accepted`) or that answers a submission (`decided`), and
 * hear what reached the disk (`committed`) or did not (`failed`). Records that belong to no
 * article go through `Ingest.write`, which rides the next group commit. Contract (also in
 * /work/notes/commit-hook.md): everything before the write is synchronous and may not await;
 * a hook that throws before the write refuses the whole commit (every submitter in it gets
 * the error, nothing is written, the writer goes on), a `write` builder that throws refuses
 * that write alone; one that throws after the write is logged and the others are still told.
 */
import type { Article } from '../../protocol/article';
import type { ArticleResult } from '../../protocol/peer-messages';
import type { GroupMeta, HistoryRecord, ThreadMeta } from '../store/records';
import type { BatchOp } from '../store/store';
import type { Origin } from './origin';

/** An article this commit accepts, as it is stored. */
export interface AcceptedEvent {
  /** The article with this node's name already first in `path`. */
  article: Article;
  /** Node-wide acceptance number (what the outbound queue keys and thread links use). */
  seq: number;
  /**
   * Its number in each of its groups. With `article`, `at` and `seq` this is the stored record
   * (StoredArticle) as written: a listener needs not read it back (node/reading's indexer).
   * Shared with the batch: read it, never change it.
   */
  nums: Record<string, number>;
  origin: Origin;
  /** The commit's time (ms, the ingest's clock): every record of the commit carries it. */
  at: number;
}

/** One submitter's share of a commit: one result per input, in order. */
export interface SubmissionOutcome {
  origin: Origin;
  results: ArticleResult[];
}

/** What one commit wrote (or, in `failed`, would have written). */
export interface CommitOutcome {
  at: number;
  /** Accepted articles in seq order. */
  accepted: AcceptedEvent[];
  /** Every submission of the commit in queue order (writes have no results and are left out). */
  submissions: SubmissionOutcome[];
}

/**
 * A hook's part in ONE commit (the writer prepares the next commit while the previous one is
 * written, so per-commit state belongs here, not in the hook). All members are optional.
 */
export interface CommitStage {
  /** Prepare time, once per accepted article, in seq order: push this part's records to `ops`. */
  accepted?(event: AcceptedEvent, ops: BatchOp[]): void;
  /** Prepare time, once per submission, after its articles: records that depend on its results. */
  decided?(outcome: SubmissionOutcome, ops: BatchOp[]): void;
  /** The batch is on disk; the submitters have been answered. */
  committed?(outcome: CommitOutcome): void;
  /** Nothing of the commit was written (the write failed, or a commit it was built on did). */
  failed?(err: Error): void;
}

export interface CommitHook {
  /** For logs and error messages. */
  readonly name: string;
  /**
   * Prepare time, for each well-formed article that is not a duplicate, before it is numbered:
   * a reason (`field: rule`) refuses it (a `rejected` result, nothing stored), null lets it
   * through. Hooks vet in the order they were added; the first reason wins.
   */
  vet?(article: Article, origin: Origin): string | null;
  /** Called as each commit is prepared; the stage it returns sees that commit only. */
  begin?(at: number): CommitStage | null | undefined;
}

/** What a `write` builder sees while its commit is prepared. */
export interface CommitView {
  at: number;
  /**
   * History of an id as of this commit: ids accepted by it or by the commit still being written
   * read as accepted, so a record built from it cannot undo one of them.
   */
  history(id: string): HistoryRecord | undefined;
  /**
   * Edits of the writer's own state for builders that take articles out (node/takedown): the
   * writer keeps group metadata, thread metadata and counters in memory, so a removal must
   * change them here, in the commit, not behind the writer's back.
   */
  edit: CommitEdit;
}

/** See CommitView.edit. Group and counter records of what was edited join the commit's batch. */
export interface CommitEdit {
  /** The writer's live metadata of a group (change it in place), or undefined. */
  group(name: string): GroupMeta | undefined;
  /** Thread metadata (`group NUL root`) as of this commit. */
  thread(key: string): ThreadMeta | undefined;
  /** Replaces (or, with undefined, deletes) a thread record; the op joins the batch. */
  setThread(key: string, meta: ThreadMeta | undefined): void;
  /** One article fewer on the node; its groups' metadata is written with the commit. */
  articleRemoved(groups: readonly string[]): void;
}

/** Records that ride a group commit without an article: fixed ops, or a builder run in the commit. */
export type WriteOps = readonly BatchOp[] | ((view: CommitView) => BatchOp[]);
