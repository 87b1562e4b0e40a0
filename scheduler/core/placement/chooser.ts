/** Picks hosts for the tasks of one group, one after another. */
export interface HostChooser {
  /** The host for the group's next task, or -1 when no host fits it. */
  choose(): number;
  /** The task was held on `host` (the one `choose` returned): account for what changed. */
  placed(host: number): void;
}
