import { make, type Bindable } from './node.js';
/** A host path mounted into a container. */
export interface VolumeProps {
  readonly containerPath: string;
  readonly hostPath: string;
  /**
   * `RO` read-only or `RW` read-write.
   * @default 'RO'
   */
  readonly mode?: 'RO' | 'RW';
}

/** Props of a {@link Docker} container. */
export interface DockerProps {
  /** Image, as `name:tag`. */
  readonly image: string;
  /**
   * Extra `docker run` parameters, as `{ name: 'env', value: 'A=1' }`.
   * @default []
   */
  readonly parameters?: ReadonlyArray<{ readonly name: string; readonly value: string }>;
  /**
   * Named port (assigned on the host) to the port inside the container.
   * @default {}
   */
  readonly portMappings?: Readonly<Record<string, number>>;
  /**
   * Host paths mounted into the container (the sandbox is always mounted).
   * @default []
   */
  readonly volumes?: readonly VolumeProps[];
}

export interface DockerDef extends DockerProps, Bindable {
  readonly kind: 'Docker';
}

/** Run the task in a Docker container: `Docker({ image: 'python:3.12' })`. */
export function Docker(props: DockerProps): DockerDef {
  return make('Docker', props);
}
