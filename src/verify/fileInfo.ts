/** One path of a tree as verify read it: its bytes (for a file), mode and owner, and whether it is a link. */
export interface FileInfo {
  content?: Buffer;
  mode: number;
  uid: number;
  gid: number;
  isDirectory: boolean;
  /** A symbolic link inside the tree: never followed, never read. */
  isLink?: boolean;
}
