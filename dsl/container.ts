import { make, type Bindable } from './node.js';
import type { NumberOrTemplate } from './templates.js';

/** A host path mounted into a container. */
export interface VolumeProps {
  /** Where the volume appears inside the container. */
  readonly containerPath: string;
  /** The path on the host that is mounted. */
  readonly hostPath: string;
  /**
   * `RO` read-only or `RW` read-write (see {@link Mode}).
   * @default 'RO'
   */
  readonly mode?: 'RO' | 'RW';
}

export interface VolumeDef extends VolumeProps, Bindable {
  readonly kind: 'Volume';
}

/** A host path mounted into a container: `Volume({ containerPath: 'etc/x', hostPath: '/etc/x', mode: Mode.RO })`. */
export function Volume(props: VolumeProps): VolumeDef {
  return make('Volume', props);
}

/** Aurora's `Mode('RO')` and `Mode('RW')`, for readers who prefer names to strings. */
export const Mode = Object.freeze({ RO: 'RO', RW: 'RW' } as const);

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
  readonly portMappings?: Readonly<Record<string, NumberOrTemplate>>;
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

/** Props of a {@link DockerImage}: a Docker image the Mesos containerizer runs. */
export interface DockerImageProps {
  /** Image name, as `http_example` or `registry:5000/team/app`. */
  readonly name: string;
  /**
   * Image tag.
   * @default 'latest'
   */
  readonly tag?: string;
}

export interface DockerImageDef extends DockerImageProps, Bindable {
  readonly kind: 'DockerImage';
}

/** A Docker image for a {@link Mesos} container: `DockerImage({ name: 'http_example', tag: 'latest' })`. */
export function DockerImage(props: DockerImageProps): DockerImageDef {
  return make('DockerImage', props);
}

/** Props of an {@link AppcImage}: an App Container image the Mesos containerizer runs. */
export interface AppcImageProps {
  /** Image name. */
  readonly name: string;
  /** Image id, as `sha512-...`. */
  readonly imageId: string;
}

export interface AppcImageDef extends AppcImageProps, Bindable {
  readonly kind: 'AppcImage';
}

/** An appc image for a {@link Mesos} container: `AppcImage({ name: 'app', imageId: 'sha512-...' })`. */
export function AppcImage(props: AppcImageProps): AppcImageDef {
  return make('AppcImage', props);
}

/** Props of a {@link Mesos} container (Aurora's unified containerizer). */
export interface MesosProps {
  /**
   * The image whose filesystem the task runs in.
   * @default none (the host's filesystem)
   */
  readonly image?: DockerImageDef | AppcImageDef;
  /**
   * Host paths mounted into the container, made with {@link Volume}.
   * @default []
   */
  readonly volumes?: ReadonlyArray<VolumeDef | VolumeProps>;
}

export interface MesosDef extends MesosProps, Bindable {
  readonly kind: 'Mesos';
}

/**
 * Run the task in the Mesos (unified) containerizer, as Aurora's `Mesos(image=..., volumes=[...])`:
 * `Mesos({ image: DockerImage({ name: 'app', tag: '1.2' }), volumes: [Volume({...})] })`.
 */
export function Mesos(props: MesosProps = {}): MesosDef {
  return make('Mesos', props);
}

/** A job's container: {@link Docker} or {@link Mesos}. */
export type ContainerDef = DockerDef | MesosDef;
