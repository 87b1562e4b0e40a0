#!/usr/bin/env python3
"""
What Apache Aurora's own schema gives for .aurora files, for bench/migrate-corpus.ts to compare
migrated configs with. Loads Pystachio (a checkout of wickman/pystachio, or an installed one) and
Aurora's schema modules from a checkout of apache/aurora (src/main/python), with two stubs for
what they import from elsewhere: twitter.common.lang.Compatibility and the Thrift constant
AURORA_EXECUTOR_NAME. Each job is bound with the given bindings the way Aurora's client binds
--bind values (job.bind(...), which wins over the config's own binds), interpolated, and printed
in the normalized form bench/migrate-corpus.ts also makes of a JobSpec.

  python3 bench/aurora-pystachio.py --aurora DIR [--pystachio DIR] [--user NAME] REQUESTS.json

REQUESTS.json: [{"file": "/abs/x.aurora", "bindings": {"profile.instances": "3"}}, ...]
Prints one JSON object: {"/abs/x.aurora": {"ok": true, "jobs": [...]} | {"ok": false, "error": "..."}}.
"""
import argparse
import builtins
import importlib
import json
import os
import sys
import tempfile
import types

MB = 1024 * 1024


def stubs():
    root = tempfile.mkdtemp(prefix='aurora-pystachio-stubs-')
    files = {
        'twitter/__init__.py': '',
        'twitter/common/__init__.py': '',
        'twitter/common/lang.py': 'class Compatibility(object):\n  string = (str, bytes)\n  integer = (int,)\n  numeric = (int, float)\n',
        'gen/__init__.py': '',
        'gen/apache/__init__.py': '',
        'gen/apache/aurora/__init__.py': '',
        'gen/apache/aurora/api/__init__.py': '',
        'gen/apache/aurora/api/constants.py': "AURORA_EXECUTOR_NAME = 'AuroraExecutor'\n",
    }
    for name, text in files.items():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)
    return root


def package(name, path):
    """A package module whose __init__.py is not run (Aurora's pull in the whole client)."""
    module = types.ModuleType(name)
    module.__path__ = [path]
    sys.modules[name] = module


def load_schema(aurora):
    src = os.path.join(aurora, 'src', 'main', 'python')
    package('apache', os.path.join(src, 'apache'))
    package('apache.thermos', os.path.join(src, 'apache', 'thermos'))
    package('apache.thermos.config', os.path.join(src, 'apache', 'thermos', 'config'))
    package('apache.aurora', os.path.join(src, 'apache', 'aurora'))
    package('apache.aurora.config', os.path.join(src, 'apache', 'aurora', 'config'))
    package('apache.aurora.config.schema', os.path.join(src, 'apache', 'aurora', 'config', 'schema'))
    return importlib.import_module('apache.aurora.config.schema.base')


def value(obj):
    """The interpolated value of a Pystachio object, templates left in strings; None when Empty."""
    from pystachio import Empty
    if obj is Empty:
        return None
    interpolated, _ = obj.interpolate()
    return interpolated.get()


def number(obj):
    v = value(obj)
    if isinstance(v, str):
        try:
            return int(v)
        except ValueError:
            try:
                return float(v)
            except ValueError:
                return v
    return v


def normalize(job, schema):
    from pystachio import Empty
    task = job.task()
    processes = [{'name': value(p.name()), 'cmdline': value(p.cmdline())} for p in task.processes()]
    constraints = [list(value(c.order())) for c in task.constraints()] if task.has_constraints() else []
    # an order of one process (a SequentialTask of one) constrains nothing; a JobSpec holds none
    constraints = [c for c in constraints if len(c) > 1]
    res = task.resources() if task.has_resources() else None
    resources = None
    if res is not None:
        resources = {
            'cpu': number(res.cpu()),
            'ramMb': number(res.ram()) / MB if isinstance(number(res.ram()), (int, float)) else number(res.ram()),
            'diskMb': number(res.disk()) / MB if isinstance(number(res.disk()), (int, float)) else number(res.disk()),
            'gpu': number(res.gpu()),
        }
    uc = job.update_config()
    strategy = uc.update_strategy().unwrap() if uc.has_update_strategy() else Empty
    if strategy is Empty:
        batch = number(uc.batch_size())
        strategy_out = ({'kind': 'batch', 'batchSize': batch, 'autopauseAfterBatch': False}
                        if value(uc.wait_for_batch_completion()) else {'kind': 'queue', 'groupSize': batch})
    elif isinstance(strategy, schema.QueueUpdateStrategy):
        strategy_out = {'kind': 'queue', 'groupSize': number(strategy.batch_size())}
    elif isinstance(strategy, schema.BatchUpdateStrategy):
        strategy_out = {'kind': 'batch', 'batchSize': number(strategy.batch_size()),
                        'autopauseAfterBatch': bool(value(strategy.autopause_after_batch()))}
    else:
        strategy_out = {'kind': 'variable', 'batchSizes': list(value(strategy.batch_sizes())),
                        'autopauseAfterBatch': bool(value(strategy.autopause_after_batch()))}
    update = {
        'strategy': strategy_out,
        'watchSecs': number(uc.watch_secs()),
        'maxPerInstanceFailures': number(uc.max_per_shard_failures()),
        'maxTotalFailures': number(uc.max_total_failures()),
        'rollbackOnFailure': bool(value(uc.rollback_on_failure())),
        'pulseIntervalSecs': number(uc.pulse_interval_secs()) if uc.has_pulse_interval_secs() else None,
        'slaAware': bool(value(uc.sla_aware())),
    }
    hc = job.health_check_config()
    checker = hc.health_checker()
    kind = 'shell' if checker.has_shell() else 'http'
    container = None
    if job.has_container():
        c = job.container().unwrap()
        if isinstance(c, schema.Container):
            c = c.docker()
        if isinstance(c, schema.Docker):
            params = [{'name': value(p.name()), 'value': value(p.value())} for p in c.parameters()] if c.has_parameters() else []
            container = {'docker': {'image': value(c.image()), 'parameters': params}}
        elif isinstance(c, schema.Mesos):
            image = None
            if c.has_image():
                i = c.image().unwrap()
                if isinstance(i, schema.AppcImage):
                    image = {'kind': 'appc', 'name': value(i.name()), 'imageId': value(i.image_id())}
                else:
                    image = {'kind': 'docker', 'name': value(i.name()), 'tag': value(i.tag())}
            volumes = [{'containerPath': value(v.container_path()), 'hostPath': value(v.host_path()),
                        'mode': str(value(v.mode())).upper()} for v in c.volumes()]
            container = {'mesos': {'image': image, 'volumes': volumes}}
    announce = None
    if job.has_announce():
        a = job.announce()
        portmap = dict(value(a.portmap()) or {})
        announce = {'primaryPort': value(a.primary_port()), 'portmap': portmap,
                    'zkPath': value(a.zk_path()) if a.has_zk_path() else None}
    sla = None
    if job.has_sla_policy():
        p = job.sla_policy().unwrap()
        if isinstance(p, schema.CountSlaPolicy):
            sla = {'kind': 'count', 'count': number(p.count()), 'durationSecs': number(p.duration_secs())}
        elif isinstance(p, schema.PercentageSlaPolicy):
            sla = {'kind': 'percentage', 'percentage': number(p.percentage()), 'durationSecs': number(p.duration_secs())}
        else:
            sla = {'kind': 'coordinator', 'coordinatorUrl': value(p.coordinator_url()), 'statusKey': value(p.status_key())}
    partition = {'reschedule': True, 'delaySecs': 0}
    if job.has_partition_policy():
        pp = job.partition_policy()
        partition = {'reschedule': bool(value(pp.reschedule())), 'delaySecs': number(pp.delay_secs())}
    return {
        'key': '/'.join(str(value(f)) for f in (job.cluster(), job.role(), job.environment(), job.name())),
        'instances': number(job.instances()),
        'service': bool(value(job.service())),
        'cronSchedule': value(job.cron_schedule()) if job.has_cron_schedule() else None,
        'cronCollisionPolicy': value(job.cron_collision_policy()),
        'tier': value(job.tier()) if job.has_tier() else None,
        # Aurora's scheduler sets production from the tier (TierInfo.isProduction); the DSL does too
        'production': value(job.tier()) == 'preferred' if job.has_tier() else bool(value(job.production())),
        'contact': value(job.contact()) if job.has_contact() else None,
        'processes': processes,
        'orderConstraints': constraints,
        'resources': resources,
        'update': update,
        'healthChecker': kind,
        'container': container,
        'announce': announce,
        'slaPolicy': sla,
        'partitionPolicy': partition,
    }


def aurora_problem(job, schema):
    """Why Aurora's client would refuse the job (as its convert() checks it), or None."""
    from pystachio import Ref
    for field in ('cluster', 'role', 'environment', 'task'):
        if not getattr(job, 'has_' + field)():
            return '%s is not set' % field
    if not job.task().has_resources():
        return 'Task must specify resources!'
    underlying, refs = job.interpolate()
    executor_time = [Ref.from_address(a) for a in ('thermos.task_id', 'mesos.instance', 'mesos.hostname')]
    ports = Ref.from_address('thermos.ports')
    unbound = [str(r) for r in refs if r not in executor_time and not Ref.subscope(ports, r)]
    if unbound:
        return 'Config contains unbound variables: %s' % ' '.join(unbound)
    checked = underlying.bind(mesos={'instance': 31337, 'hostname': ''})
    if not checked.check().ok():
        return 'Job not fully specified: %s' % checked.check().message()
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--aurora', required=True)
    parser.add_argument('--pystachio')
    parser.add_argument('--user', default='vagrant')
    parser.add_argument('requests')
    args = parser.parse_args()
    os.environ['USER'] = os.environ['LOGNAME'] = args.user
    sys.path.insert(0, stubs())
    if args.pystachio:
        sys.path.insert(0, args.pystachio)
    from pystachio import Ref
    from pystachio.config import Config
    schema = load_schema(args.aurora)

    class AuroraConfigLoader(Config):
        DEFAULT_SCHEMA = 'from pystachio import *\nfrom apache.aurora.config.schema.base import *'

    with open(args.requests) as f:
        requests = json.load(f)
    out = {}
    for request in requests:
        path = request['file']
        cwd = os.getcwd()
        real_open = builtins.open

        def open_here(name, *a, **kw):
            # a file the config reads from the Vagrant box (/vagrant/x) is looked for next to the config,
            # where the migrated config's fileDigest() reads it
            if isinstance(name, str) and os.path.isabs(name) and not os.path.exists(name):
                here = os.path.join(os.path.dirname(path), os.path.basename(name))
                if os.path.exists(here):
                    name = here
            return real_open(name, *a, **kw)

        try:
            os.chdir(os.path.dirname(path))  # Aurora's client runs where the config is, for its open()s
            builtins.open = open_here
            env = AuroraConfigLoader(path).environment
            jobs = []
            for job in env.get('jobs', []):
                if request.get('bindings'):
                    job = job.bind(dict(request['bindings']))
                job = job.bind({Ref.from_address('mesos.role'): '{{role}}', Ref.from_address('mesos.cluster'): '{{cluster}}',
                                Ref.from_address('thermos.user'): '{{role}}'})
                problem = aurora_problem(job, schema)
                try:
                    normal = normalize(job, schema)
                except Exception as e:  # noqa: what Aurora refuses may not normalize either
                    normal = {'key': '/'.join(str(value(f)) for f in (job.cluster(), job.role(), job.environment(), job.name()))}
                    problem = problem or '%s: %s' % (type(e).__name__, e)
                jobs.append(dict(normal, problem=problem) if problem else normal)
            out[path] = {'ok': True, 'jobs': jobs}
        except BaseException as e:  # noqa: a config that does not load is data, not a crash
            out[path] = {'ok': False, 'error': '%s: %s' % (type(e).__name__, str(e).splitlines()[0] if str(e) else '')}
        finally:
            builtins.open = real_open
            os.chdir(cwd)
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
