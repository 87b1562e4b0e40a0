/**
 * `{{docker.image[NAME][TAG]}}` resolution, against a registry stub this test starts on
 * 127.0.0.1 (client/testing/registry-stub.ts): no Docker registry can be reached from where the
 * tests run, so none is used. The expected forms are Aurora's (apache/aurora
 * src/test/python/apache/aurora/client/docker/test_docker_client.py).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { dockerImageTemplates, dockerImageVariable } from '../dsl/templates.js';
import {
  bindDockerImages,
  DEFAULT_DOCKER_REGISTRY,
  dockerImageRefs,
  MANIFEST_V2,
  parseChallenge,
  pinnedImage,
  registryOf,
  resolveDockerImage,
  resolveDockerImages,
} from './docker-registry.js';
import { InvalidConfigurationError, NetworkError } from './errors.js';
import { startRegistryStub, type RegistryStub } from './testing/registry-stub.js';
import { closedPort } from './testing/run-cli.js';

const DIGEST = 'sha256:45bc58500fa3d3c0d67233d4a7798134b46b486af1389ca87000c543f46c3d24';

describe('docker image templates (pure)', () => {
  it('reads {{docker.image[NAME][TAG]}} as Pystachio writes it', () => {
    expect(dockerImageVariable('docker.image[library/ubuntu][latest]')).toEqual({ name: 'library/ubuntu', tag: 'latest' });
    expect(dockerImageVariable('docker.image[some/name][some.tag]')).toEqual({ name: 'some/name', tag: 'some.tag' });
    expect(dockerImageVariable('docker.image[x]')).toBeUndefined();
    expect(dockerImageVariable('docker.tag[x][y]')).toBeUndefined();
    expect(dockerImageTemplates('run {{docker.image[a][1]}} and {{ docker.image[b][2] }}')).toEqual([
      { name: 'a', tag: '1', template: '{{docker.image[a][1]}}' },
      { name: 'b', tag: '2', template: '{{ docker.image[b][2] }}' },
    ]);
  });

  it("pins as Aurora does: HOST:PORT/NAME@DIGEST, no host for Docker Hub", () => {
    expect(pinnedImage('https://registry.example.com', 'library/ubuntu', DIGEST)).toBe(`registry.example.com/library/ubuntu@${DIGEST}`);
    expect(pinnedImage('http://127.0.0.1:5000', 'app', DIGEST)).toBe(`127.0.0.1:5000/app@${DIGEST}`);
    expect(pinnedImage(DEFAULT_DOCKER_REGISTRY, 'library/ubuntu', DIGEST)).toBe(`library/ubuntu@${DIGEST}`);
  });

  it('reads a Bearer challenge', () => {
    expect(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull"')).toEqual({
      scheme: 'Bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/ubuntu:pull' },
    });
    expect(parseChallenge('Basic realm="x"').scheme).toBe('Basic');
  });

  it('finds each image once and binds every place it is named', () => {
    const spec = { container: { docker: { image: '{{docker.image[app][1.0]}}' } }, cmd: ['echo {{docker.image[app][1.0]}}', 'x'], n: 3 };
    expect(dockerImageRefs(spec)).toEqual([{ name: 'app', tag: '1.0' }]);
    expect(bindDockerImages(spec, new Map([['app:1.0', `r/app@${DIGEST}`]]))).toEqual({
      container: { docker: { image: `r/app@${DIGEST}` } },
      cmd: [`echo r/app@${DIGEST}`, 'x'],
      n: 3,
    });
  });

  it("names where the registry comes from: the cluster's docker_registry, else Aurora's default", () => {
    expect(registryOf({ name: 'east', source: '/etc/aurora/clusters.json', dockerRegistry: 'https://r.east' })).toEqual({
      url: 'https://r.east',
      describe: 'docker_registry of cluster east in /etc/aurora/clusters.json',
    });
    expect(registryOf({ name: 'devcluster', source: 'built-in' }).url).toBe(DEFAULT_DOCKER_REGISTRY);
  });
});

describe('resolveDockerImage against a registry stub', () => {
  let stub: RegistryStub | undefined;
  afterEach(async () => {
    await stub?.close();
    stub = undefined;
  });
  const at = (s: RegistryStub) => ({ url: s.url, describe: 'docker_registry of cluster test' });
  const failure = async (p: Promise<unknown>): Promise<Error> => {
    try {
      await p;
    } catch (err) {
      return err as Error;
    }
    throw new Error('expected a failure');
  };

  it('GETs /v2/NAME/manifests/TAG with the v2 manifest type and binds the digest header', async () => {
    stub = await startRegistryStub({ images: { 'library/ubuntu:latest': DIGEST } });
    expect(await resolveDockerImage(at(stub), { name: 'library/ubuntu', tag: 'latest' })).toBe(`${stub.host}/library/ubuntu@${DIGEST}`);
    expect(stub.requests.map((r) => [r.method, r.url, r.headers.accept])).toEqual([['GET', '/v2/library/ubuntu/manifests/latest', MANIFEST_V2]]);
  });

  it('answers an anonymous Bearer challenge once, as Aurora does, then asks again with the token', async () => {
    stub = await startRegistryStub({ images: { 'app:1': DIGEST }, bearer: true });
    expect(await resolveDockerImage(at(stub), { name: 'app', tag: '1' })).toBe(`${stub.host}/app@${DIGEST}`);
    expect(stub.requests.map((r) => r.url)).toEqual(['/v2/app/manifests/1', '/token?service=registry.stub&scope=repository%3Aapp%3Apull', '/v2/app/manifests/1']);
    expect(stub.requests[2]?.headers.authorization).toBe('Bearer stub-token');
  });

  it('a tag the registry does not have: exit 3, naming the image, the registry and its error', async () => {
    stub = await startRegistryStub({ images: {} });
    const err = await failure(resolveDockerImage(at(stub), { name: 'app', tag: 'nope' }));
    expect(err).toBeInstanceOf(InvalidConfigurationError);
    expect(err.message).toBe(
      `Cannot resolve {{docker.image[app][nope]}}: the Docker registry ${stub.url} (docker_registry of cluster test) has no image app:nope (404 MANIFEST_UNKNOWN: manifest unknown); is the tag pushed, and is it a v2 registry?`,
    );
  });

  it('an answer without Docker-Content-Digest: exit 3', async () => {
    stub = await startRegistryStub({ images: { 'app:1': DIGEST }, noDigest: true });
    const err = await failure(resolveDockerImage(at(stub), { name: 'app', tag: '1' }));
    expect(err).toBeInstanceOf(InvalidConfigurationError);
    expect(err.message).toMatch(/^Cannot resolve \{\{docker\.image\[app\]\[1\]\}\}: the Docker registry http:\/\/127\.0\.0\.1:\d+ \(.*\) answered app:1 without a Docker-Content-Digest header/);
  });

  it('a registry nobody listens on: exit 7, naming the image and the registry', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const err = await failure(resolveDockerImage({ url, describe: 'docker_registry of cluster test' }, { name: 'app', tag: '1' }));
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.message).toBe(`Cannot resolve {{docker.image[app][1]}}: the Docker registry ${url} (docker_registry of cluster test) could not be reached: connection refused`);
  });

  it('a registry that does not answer: exit 7 after the timeout', async () => {
    stub = await startRegistryStub({ images: { 'app:1': DIGEST }, hang: true });
    const started = Date.now();
    const err = await failure(resolveDockerImage(at(stub), { name: 'app', tag: '1' }, { timeoutMs: 300 }));
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.message).toMatch(/\) did not answer within 300 ms$/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('reads no more than maxBytes of an answer', async () => {
    stub = await startRegistryStub({ images: { 'app:1': DIGEST }, bodyBytes: 64 * 1024 });
    const err = await failure(resolveDockerImage(at(stub), { name: 'app', tag: '1' }, { maxBytes: 1024 }));
    expect(err).toBeInstanceOf(InvalidConfigurationError);
    expect(err.message).toMatch(/answered app:1 with more than 1024 bytes$/);
  });

  it('refuses a registry that is not an http(s) URL and an image name that is not one, before asking anything', async () => {
    const bad = await failure(resolveDockerImage({ url: 'registry.example.com', describe: 'docker_registry of cluster test' }, { name: 'app', tag: '1' }));
    expect(bad.message).toBe(
      "Cannot resolve {{docker.image[app][1]}}: the Docker registry 'registry.example.com' (docker_registry of cluster test) is not an http(s) URL such as https://registry.example.com",
    );
    stub = await startRegistryStub({ images: {} });
    const name = await failure(resolveDockerImage(at(stub), { name: '../v2/x', tag: '1' }));
    expect(name.message).toMatch(/'\.\.\/v2\/x' is not a Docker image name/);
    expect(stub.requests).toEqual([]);
  });

  it('resolves each image of a spec once, every time it is asked (nothing cached)', async () => {
    stub = await startRegistryStub({ images: { 'a:1': DIGEST } });
    const spec = { x: '{{docker.image[a][1]}}', y: ['{{docker.image[a][1]}}'] };
    const seen: string[] = [];
    const first = await resolveDockerImages(spec, at(stub), { onResolved: (ref, pinned) => seen.push(`${ref.name}:${ref.tag} ${pinned}`) });
    expect(first).toEqual({ x: `${stub.host}/a@${DIGEST}`, y: [`${stub.host}/a@${DIGEST}`] });
    expect(seen).toEqual([`a:1 ${stub.host}/a@${DIGEST}`]);
    await resolveDockerImages(spec, at(stub));
    expect(stub.requests).toHaveLength(2);
  });
});
