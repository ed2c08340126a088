import { fileURLToPath as __indicovmFileURLToPath } from 'node:url';
import { dirname as __indicovmDirname } from 'node:path';
const __filename = __indicovmFileURLToPath(import.meta.url);
const __dirname = __indicovmDirname(__filename);
export const id = 636;
export const ids = [636];
export const modules = {

/***/ 6636:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  TASKS: () => (/* binding */ tasks_TASKS)
});

// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
;// CONCATENATED MODULE: ./shared/cleanup/interrupt.ts
const cleanups = new Set();
/** Registers a clean-up for the time a task runs; call the returned function when it has finished. */
function onInterrupt(cleanup) {
    cleanups.add(cleanup);
    return () => {
        cleanups.delete(cleanup);
    };
}
/** Runs every registered clean-up, the latest first; one that throws does not stop the others. */
async function runInterruptCleanups(onError) {
    for (const cleanup of [...cleanups].reverse()) {
        cleanups.delete(cleanup);
        try {
            await cleanup();
        }
        catch (error) {
            onError(error);
        }
    }
}

;// CONCATENATED MODULE: ./shared/cleanup/ledger.ts

class Ledger {
    #file;
    #resources;
    constructor(file) {
        this.#file = file;
        this.#resources = (0,external_node_fs_.existsSync)(file) ? JSON.parse((0,external_node_fs_.readFileSync)(file, 'utf8')) : [];
    }
    get file() {
        return this.#file;
    }
    get resources() {
        return this.#resources;
    }
    record(resource) {
        this.#resources.push(resource);
        this.#save();
    }
    /** The resource is handed on (an output the user keeps) or already gone: nothing to undo. */
    release(kind, id) {
        this.#resources = this.#resources.filter((r) => !(r.kind === kind && r.id === id));
        this.#save();
    }
    /**
     * Undoes in reverse order of creation. A failing undo is reported and kept in the ledger, and the
     * others still run: one stuck resource must not orphan the rest.
     */
    async undoAll(undoers, onError) {
        let undone = 0;
        for (const resource of [...this.#resources].reverse()) {
            const undo = undoers[resource.kind];
            if (!undo) {
                onError(resource, new Error(`no way to remove a ${resource.kind}`));
                continue;
            }
            try {
                await undo(resource);
                this.release(resource.kind, resource.id);
                undone += 1;
            }
            catch (error) {
                onError(resource, error);
            }
        }
        return undone;
    }
    #save() {
        const temp = `${this.#file}.tmp`;
        (0,external_node_fs_.writeFileSync)(temp, JSON.stringify(this.#resources, null, 2), { mode: 0o600 });
        (0,external_node_fs_.renameSync)(temp, this.#file);
    }
}

// EXTERNAL MODULE: ./shared/errors.ts
var errors = __webpack_require__(2635);
;// CONCATENATED MODULE: ./shared/qemu/accelerator.ts


function readHostFacts() {
    const kvmDeviceExists = (0,external_node_fs_.existsSync)('/dev/kvm');
    let kvmDeviceReadWrite = false;
    if (kvmDeviceExists) {
        try {
            (0,external_node_fs_.accessSync)('/dev/kvm', external_node_fs_.constants.R_OK | external_node_fs_.constants.W_OK);
            kvmDeviceReadWrite = true;
        }
        catch {
            kvmDeviceReadWrite = false;
        }
    }
    let cpuinfo = '';
    try {
        cpuinfo = (0,external_node_fs_.readFileSync)('/proc/cpuinfo', 'utf8');
    }
    catch {
        cpuinfo = '';
    }
    return {
        kvmDeviceExists,
        kvmDeviceReadWrite,
        cpuHasVirtualization: /^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo),
        kvmIsPvm: (0,external_node_fs_.existsSync)('/sys/module/kvm_pvm'),
    };
}
/** The fix for hosted Linux runners, where /dev/kvm exists but belongs to a group the job user is not in. */
const KVM_UDEV_FIX = [
    'echo \'KERNEL=="kvm", GROUP="kvm", MODE="0666", OPTIONS+="static_node=kvm"\' | sudo tee /etc/udev/rules.d/99-kvm4all.rules',
    'sudo udevadm control --reload-rules',
    'sudo udevadm trigger --name-match=kvm',
].join('\n');
/** Why KVM cannot be used on this host, or undefined when it can. Throws for a fixable permission problem. */
function kvmProblem(facts) {
    if (!facts.kvmDeviceExists) {
        return '/dev/kvm does not exist (no nested virtualisation on this host)';
    }
    if (facts.kvmIsPvm) {
        return '/dev/kvm is KVM-PVM (module kvm_pvm), which runs a stock guest kernel far slower than TCG';
    }
    if (!facts.cpuHasVirtualization) {
        return 'the CPU has no vmx/svm flag, so KVM would have to emulate';
    }
    if (!facts.kvmDeviceReadWrite) {
        throw new errors/* ConfigurationError */.j1("Option 'accelerator': /dev/kvm exists but this user cannot read and write it. On a hosted runner, " +
            `add a step before this one that runs:\n${KVM_UDEV_FIX}\n` +
            "or set 'accelerator: tcg' (software emulation, 10 times slower or more).");
    }
    return undefined;
}
function decideAccelerator(choice, facts) {
    if (choice === 'tcg') {
        return { accelerator: 'tcg' };
    }
    const problem = kvmProblem(facts);
    if (problem === undefined) {
        return { accelerator: 'kvm' };
    }
    if (choice === 'kvm') {
        throw new errors/* ConfigurationError */.j1(`Option 'accelerator' is kvm, but KVM is not usable here: ${problem}. ` +
            "Use 'accelerator: auto' to fall back to TCG (software emulation, much slower), or 'tcg'.");
    }
    return { accelerator: 'tcg', reason: problem };
}
/** decideAccelerator with a loud warning when auto falls back to software emulation. */
function chooseAccelerator(choice, reporter, facts = readHostFacts()) {
    const decision = decideAccelerator(choice, facts);
    if (decision.reason !== undefined) {
        reporter.warning(`KVM IS NOT USABLE: ${decision.reason}. Falling back to TCG software emulation: booting and ` +
            'provisioning will be 10-50 times slower. Run on a host with hardware virtualisation for real builds.');
    }
    return decision.accelerator;
}

// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(1421);
// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
// EXTERNAL MODULE: external "node:timers/promises"
var external_node_timers_promises_ = __webpack_require__(8500);
;// CONCATENATED MODULE: ./shared/shell/quote.ts
/**
 * The one place where remote and local shell commands are turned from argument lists into text.
 * Everything that runs a command over SSH or writes one into a script goes through here.
 */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;
/** POSIX single-quoting: safe for any byte string except NUL, which no shell argument can hold. */
function quote(arg) {
    if (arg.includes('\0')) {
        throw new Error('A shell argument cannot contain a NUL byte.');
    }
    if (arg.length > 0 && SAFE.test(arg)) {
        return arg;
    }
    return `'${arg.replaceAll("'", `'\\''`)}'`;
}
/** An argument vector as one command line. */
function commandLine(argv) {
    if (argv.length === 0) {
        throw new Error('A command needs at least a program name.');
    }
    return argv.map(quote).join(' ');
}
/** `NAME=value` assignments for an env prefix; names are checked, values quoted. */
function assignments(env) {
    return Object.entries(env)
        .map(([name, value]) => {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
            throw new Error(`Not a valid environment variable name: ${JSON.stringify(name)}`);
        }
        return `${name}=${quote(value)}`;
    })
        .join(' ');
}

;// CONCATENATED MODULE: ./shared/qemu/argv.ts
/**
 * The qemu command line, as an argument vector (never a shell string). `-machine pc` because the cloud
 * kernels lack AHCI (a q35 CD-ROM would be invisible); virtio disk and NIC because they lack e1000.
 */
function qemuArgv(spec) {
    for (const forward of spec.forwards) {
        for (const port of [forward.hostPort, forward.guestPort]) {
            if (!Number.isInteger(port) || port < 1 || port > 65535) {
                throw new Error(`Not a TCP port: ${port}`);
            }
        }
    }
    const nic = [
        'user',
        'model=virtio-net-pci',
        // Loopback only: the guest is not to be reachable from the network during a build.
        ...spec.forwards.map((f) => `hostfwd=tcp:127.0.0.1:${f.hostPort}-:${f.guestPort}`),
    ].join(',');
    const argv = [
        spec.binary,
        '-machine',
        'pc',
        '-accel',
        spec.accelerator,
        // -cpu host aborts on some KVM hosts (MSR 0x10a, arch-capabilities); without it, it works everywhere.
        '-cpu',
        spec.accelerator === 'kvm' ? 'host,-arch-capabilities' : 'max',
        '-smp',
        String(spec.cpus),
        '-m',
        String(spec.memory),
        '-drive',
        `file=${driveValue(spec.disk)},if=virtio,format=${spec.diskFormat},discard=unmap`,
    ];
    if (spec.seed !== undefined) {
        argv.push('-drive', `file=${driveValue(spec.seed)},media=cdrom,readonly=on`);
    }
    argv.push('-nic', nic, '-device', 'virtio-rng-pci', '-display', 'none', '-serial', `file:${spec.serialLog}`, '-pidfile', spec.pidFile, '-monitor', `unix:${spec.monitorSocket},server,nowait`, ...(spec.extraArgs ?? []));
    return argv;
}
/** In -drive option values a comma is escaped by doubling it. */
function driveValue(path) {
    return path.replaceAll(',', ',,');
}

;// CONCATENATED MODULE: ./shared/qemu/ports.ts

/** A TCP port free on 127.0.0.1 right now (the kernel picks it); qemu may still lose a race for it. */
function freeLoopbackPort() {
    return new Promise((resolve, reject) => {
        const server = (0,external_node_net_.createServer)();
        server.unref();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            const port = typeof address === 'object' && address !== null ? address.port : 0;
            server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port on 127.0.0.1'))));
        });
    });
}
/** Whether 127.0.0.1:port can be bound now. */
function loopbackPortIsFree(port) {
    return new Promise((resolve) => {
        const server = (0,external_node_net_.createServer)();
        server.unref();
        server.once('error', () => resolve(false));
        server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
}

// EXTERNAL MODULE: ./shared/report/reporter.ts
var report_reporter = __webpack_require__(2660);
;// CONCATENATED MODULE: ./shared/wait.ts
/**
 * Waiting for something to be so (a server ACTIVE, a console with host keys, a port serving a
 * certificate): one loop with a deadline, a poll interval and the last state seen for the timeout
 * message, instead of one hand-written loop per wait.
 */


const DEFAULT_WAIT = { timeoutMs: 30 * 60_000, pollMs: 2000 };
/** Thrown when a wait runs out of time; the last state seen is in the message. */
class WaitTimeoutError extends errors/* CommandError */.Qd {
    name = 'WaitTimeoutError';
}
/**
 * Calls probe until it returns a value (not undefined) or throws, or the time is up. lastState says
 * what was seen last, for the timeout message.
 */
async function waitFor(what, options, probe, lastState) {
    const { timeoutMs, pollMs, onStateChange } = { ...DEFAULT_WAIT, ...options };
    const started = Date.now();
    const deadline = started + timeoutMs;
    let seen;
    for (;;) {
        const result = await probe();
        const state = lastState?.();
        if (onStateChange && state !== undefined && state !== seen) {
            seen = state;
            onStateChange(state, Date.now() - started);
        }
        if (result !== undefined) {
            return result;
        }
        if (Date.now() + pollMs > deadline) {
            const state = lastState?.();
            throw new WaitTimeoutError(`waiting for ${what}`, null, '', `gave up after ${(0,report_reporter/* formatDuration */.a)(timeoutMs)}${state ? `; last state: ${state}` : ''}`);
        }
        await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
}
/** "Server 1f…: BUILD (spawning) after 4.0 s", one line per status change. */
function reportStatus(reporter, what) {
    return (state, waitedMs) => reporter.info(`${what}: ${state} after ${(0,report_reporter/* formatDuration */.a)(waitedMs)}`);
}

;// CONCATENATED MODULE: ./shared/qemu/process.ts
/**
 * One qemu process: started detached with a pidfile and a monitor socket, recorded in the Ledger as soon
 * as it runs (so a post step or a finally can kill it after a crash), and stopped in escalating steps.
 *
 * Over 300 lines: starting one qemu, knowing it runs (pidfile, monitor) and stopping it in escalating
 * steps, including from a post step that only has the ledger's record, are one process's life.
 */









const QEMU_RESOURCE = 'qemu-process';
const START_ATTEMPTS = 5;
const PIDFILE_WAIT_MS = 15_000;
/** qemu fails on a taken hostfwd port during startup; a process alive this long got its ports. */
const STARTUP_GRACE_MS = 1500;
const QUIT_WAIT_MS = 10_000;
class QemuProcess {
    pid;
    forwards;
    spec;
    stderrFile;
    ledger;
    #exited;
    #exitCode;
    constructor(child, pid, forwards, spec, stderrFile, ledger) {
        this.pid = pid;
        this.forwards = forwards;
        this.spec = spec;
        this.stderrFile = stderrFile;
        this.ledger = ledger;
        this.#exited = new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) {
                this.#exitCode = child.exitCode;
                resolve();
                return;
            }
            child.once('exit', (code) => {
                this.#exitCode = code;
                resolve();
            });
        });
    }
    /** Host port forwarded to a guest port. */
    hostPort(guestPort) {
        const forward = this.forwards.find((f) => f.guestPort === guestPort);
        if (!forward) {
            throw new Error(`guest port ${guestPort} is not forwarded`);
        }
        return forward.hostPort;
    }
    get running() {
        return this.#exitCode === undefined;
    }
    get exitCode() {
        return this.#exitCode;
    }
    stderr() {
        try {
            return (0,external_node_fs_.readFileSync)(this.stderrFile, 'utf8').trim();
        }
        catch {
            return '';
        }
    }
    /** Resolves true when qemu has exited within ms. */
    async waitForExit(ms) {
        if (!this.running) {
            return true;
        }
        let timer;
        const timeout = new Promise((resolve) => {
            timer = setTimeout(() => resolve(false), ms);
        });
        const result = await Promise.race([this.#exited.then(() => true), timeout]);
        clearTimeout(timer);
        return result;
    }
    /**
     * Stops qemu: the graceful step (a poweroff in the guest) if given, waiting up to timeoutMs, then
     * `quit` on the monitor, then SIGKILL. Returns how it ended.
     */
    async stop(reporter, graceful, timeoutMs = 60_000) {
        let how = 'exited';
        if (this.running && graceful) {
            try {
                await graceful();
            }
            catch (error) {
                reporter.debug(`Graceful shutdown of ${this.spec.disk} failed: ${error.message}`);
            }
            how = 'poweroff';
            if (!(await this.waitForExit(timeoutMs))) {
                reporter.warning(`The VM did not power off within ${Math.round(timeoutMs / 1000)} s; stopping qemu.`);
                how = 'quit';
            }
        }
        else if (this.running) {
            how = 'quit';
        }
        if (this.running) {
            await monitorQuit(this.spec.monitorSocket).catch(() => undefined);
            if (!(await this.waitForExit(QUIT_WAIT_MS))) {
                how = 'killed';
                killQuietly(this.pid);
                await this.waitForExit(QUIT_WAIT_MS);
            }
        }
        this.ledger.release(QEMU_RESOURCE, String(this.pid));
        return how;
    }
}
function killQuietly(pid) {
    try {
        process.kill(pid, 'SIGKILL');
    }
    catch {
        // already gone
    }
}
/** Sends `quit` to a qemu human monitor socket. */
function monitorQuit(socket) {
    return new Promise((resolve, reject) => {
        const connection = (0,external_node_net_.createConnection)(socket);
        const timer = setTimeout(() => {
            connection.destroy();
            reject(new Error('no answer on the qemu monitor'));
        }, 5000);
        connection.on('error', (error) => {
            clearTimeout(timer);
            reject(error);
        });
        connection.on('connect', () => connection.write('quit\n'));
        connection.on('close', () => {
            clearTimeout(timer);
            resolve();
        });
    });
}
async function waitForPidFile(child, pidFile) {
    try {
        return await waitFor(`qemu's pid file ${pidFile}`, { timeoutMs: PIDFILE_WAIT_MS, pollMs: 100 }, async () => {
            if (child.exitCode !== null || child.signalCode !== null) {
                return null;
            }
            const pid = (0,external_node_fs_.existsSync)(pidFile) ? Number((0,external_node_fs_.readFileSync)(pidFile, 'utf8').trim()) : NaN;
            return Number.isInteger(pid) && pid > 0 ? pid : undefined;
        }).then((pid) => pid ?? undefined);
    }
    catch (error) {
        // No pid file in time: the child's own pid is the next best thing to kill.
        if (error instanceof WaitTimeoutError)
            return child.pid;
        throw error;
    }
}
function exitedSoon(child, ms) {
    if (child.exitCode !== null || child.signalCode !== null) {
        return Promise.resolve(true);
    }
    return new Promise((resolve) => {
        const timer = setTimeout(() => {
            child.off('exit', onExit);
            resolve(false);
        }, ms);
        const onExit = () => {
            clearTimeout(timer);
            resolve(true);
        };
        child.once('exit', onExit);
    });
}
/** Starts qemu, retrying with other ports when a forward's port was taken in the meantime. */
async function startQemu(options, ledger, reporter) {
    const attempts = options.fixedForwards ? 1 : START_ATTEMPTS;
    let lastError = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
        const forwards = options.fixedForwards
            ? [...options.fixedForwards]
            : await Promise.all((options.guestPorts ?? []).map(async (guestPort) => ({
                hostPort: await freeLoopbackPort(),
                guestPort,
            })));
        const argv = qemuArgv({ ...options.machine, forwards });
        reporter.debug(`Starting ${options.label}: ${commandLine(argv)}`);
        const stderrFd = (0,external_node_fs_.openSync)(options.stderrFile, 'w');
        let child;
        try {
            // Its own process group: a Ctrl-C in the terminal reaches us, and we stop the VM in order.
            child = (0,external_node_child_process_.spawn)(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', 'ignore', stderrFd] });
        }
        finally {
            (0,external_node_fs_.closeSync)(stderrFd);
        }
        const spawnError = await new Promise((resolve) => {
            child.once('error', resolve);
            child.once('spawn', () => resolve(undefined));
        });
        if (spawnError) {
            throw new errors/* CommandError */.Qd(commandLine(argv.slice(0, 1)), null, '', spawnError.code === 'ENOENT'
                ? `${argv[0]} is not installed (apt-get install qemu-system-x86) or not on PATH`
                : spawnError.message);
        }
        const record = (id) => ledger.record({
            kind: QEMU_RESOURCE,
            id: String(id),
            label: options.label,
            detail: { pidFile: options.machine.pidFile, monitor: options.machine.monitorSocket },
        });
        // In the ledger from the moment it runs: a signal while qemu writes its pid file must find it.
        if (child.pid !== undefined)
            record(child.pid);
        const pid = (await waitForPidFile(child, options.machine.pidFile)) ?? child.pid;
        if (child.pid !== undefined && pid !== child.pid) {
            ledger.release(QEMU_RESOURCE, String(child.pid));
            if (pid !== undefined && child.exitCode === null && child.signalCode === null)
                record(pid);
        }
        const qemu = new QemuProcess(child, pid ?? 0, forwards, options.machine, options.stderrFile, ledger);
        if (!(await exitedSoon(child, STARTUP_GRACE_MS))) {
            reporter.info(`${options.label}: qemu pid ${qemu.pid}` +
                (forwards.length
                    ? `, ${forwards.map((f) => `127.0.0.1:${f.hostPort} → ${f.guestPort}`).join(', ')}`
                    : ''));
            return qemu;
        }
        ledger.release(QEMU_RESOURCE, String(qemu.pid));
        lastError = qemu.stderr();
        if (!/hostfwd|host forwarding|Could not set up host forwarding/i.test(lastError) ||
            options.fixedForwards) {
            throw new errors/* CommandError */.Qd(commandLine(argv), child.exitCode, lastError, 'qemu exited during startup');
        }
        reporter.debug(`A forwarded port was taken (attempt ${attempt}), trying other ports.`);
    }
    throw new errors/* CommandError */.Qd(options.machine.binary, null, lastError, `no free ports after ${attempts} attempts`);
}
/** The ledger undoer: kills a recorded qemu, but only if that pid is still a qemu (pids are reused). */
async function killRecordedQemu(resource) {
    const pid = Number(resource.id);
    const pidFile = typeof resource.detail?.pidFile === 'string' ? resource.detail.pidFile : undefined;
    const alive = () => isQemu(pid, pidFile);
    if (!Number.isInteger(pid) || pid <= 0 || !alive()) {
        return;
    }
    const monitor = resource.detail?.monitor;
    if (typeof monitor === 'string') {
        await monitorQuit(monitor).catch(() => undefined);
        for (let i = 0; i < 50 && alive(); i++) {
            await (0,external_node_timers_promises_.setTimeout)(100);
        }
    }
    if (alive()) {
        killQuietly(pid);
        for (let i = 0; i < 50 && alive(); i++) {
            await (0,external_node_timers_promises_.setTimeout)(100);
        }
    }
    if (alive()) {
        throw new Error(`qemu pid ${pid} is still running after SIGKILL`);
    }
}
/**
 * Whether pid is still the qemu we started: its program is a qemu and, when known, it was given our
 * pidfile (a reused pid, or any process with "qemu" in a path, must never be killed).
 */
function isQemu(pid, pidFile) {
    try {
        const args = (0,external_node_fs_.readFileSync)(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        const stat = (0,external_node_fs_.readFileSync)(`/proc/${pid}/stat`, 'utf8');
        // A zombie (state Z) is gone for our purposes: its parent just has not reaped it yet.
        const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        const program = (args[0] ?? '').split('/').pop() ?? '';
        return program.startsWith('qemu') && (pidFile === undefined || args.includes(pidFile)) && state !== 'Z';
    }
    catch {
        return false;
    }
}

// EXTERNAL MODULE: ./shared/report/terminal.ts
var terminal = __webpack_require__(4809);
;// CONCATENATED MODULE: ./shared/qemu/serial.ts


/** The last lines of a serial console log, without carriage returns and terminal escapes. */
function serialLogTail(path, lines = 40) {
    let text;
    try {
        text = (0,external_node_fs_.readFileSync)(path, 'utf8');
    }
    catch {
        return '(no serial log)';
    }
    const clean = text
        // eslint-disable-next-line no-control-regex -- terminal escape sequences are what this removes
        .replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '')
        .replace(/\r/g, '');
    const all = clean.split('\n');
    while (all.length > 0 && all[all.length - 1]?.trim() === '') {
        all.pop();
    }
    return all.length === 0 ? '(the serial log is empty)' : all.slice(-lines).join('\n');
}
const LAST_LINE_BYTES = 4096;
const LAST_LINE_CHARS = 100;
/**
 * The last non-empty line of a serial console log, for a progress line: read from the file's end
 * only, cleaned as serialLogTail cleans, with every control character gone (the guest writes it) and
 * cut short. Undefined while there is none.
 */
function lastSerialLine(path) {
    let text;
    try {
        const fd = (0,external_node_fs_.openSync)(path, 'r');
        try {
            const size = (0,external_node_fs_.fstatSync)(fd).size;
            const buffer = Buffer.alloc(Math.min(size, LAST_LINE_BYTES));
            (0,external_node_fs_.readSync)(fd, buffer, 0, buffer.length, size - buffer.length);
            text = buffer.toString('utf8');
        }
        finally {
            (0,external_node_fs_.closeSync)(fd);
        }
    }
    catch {
        return undefined;
    }
    const line = (0,terminal/* withoutControlSequences */.O)(text)
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .at(-1);
    if (line === undefined)
        return undefined;
    return line.length > LAST_LINE_CHARS ? `${line.slice(0, LAST_LINE_CHARS - 1)}…` : line;
}
/** A wait's progress detail: "console: <last serial line>". */
function consoleDetail(path) {
    const line = lastSerialLine(path);
    return line === undefined ? undefined : `console: ${line}`;
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:util"
var external_node_util_ = __webpack_require__(7975);
;// CONCATENATED MODULE: ./shared/recipe/sh/index.generated.ts
// Generated by `npm run gen` from shared/recipe/sh/*.sh (each without its header): edit those, not this file.
const SHELL = {
    'apache.sh': `step 'Web server (Apache)'
if [ "$OS_FAMILY" = debian ]; then
  APACHE_CONF=/etc/apache2/sites-available/indico.conf
else
  APACHE_CONF=/etc/httpd/conf.d/indico.conf
fi
#@ vhost
# The vhost's DocumentRoot: an empty folder, so nothing is served from disk but the static aliases.
[ -d /var/empty/apache ] || mkdir -p /var/empty/apache
if [ "$OS_FAMILY" = debian ]; then
  for module in proxy_uwsgi rewrite ssl xsendfile http2; do
    [ -e "/etc/apache2/mods-enabled/$module.load" ] || { a2enmod -q "$module" >/dev/null; CHANGED_FILES="$CHANGED_FILES$module "; note "enabled module $module"; }
  done
  [ ! -e /etc/apache2/sites-enabled/000-default.conf ] || { a2dissite -q 000-default >/dev/null; note "disabled site 000-default"; }
  [ -e /etc/apache2/sites-enabled/indico.conf ] || { a2ensite -q indico >/dev/null; CHANGED_FILES="$CHANGED_FILES$APACHE_CONF "; note "enabled site indico"; }
  apache2ctl configtest
else
  # Indico's EL guide loads mod_proxy_uwsgi from a file of its own; not a second time if httpd already does.
  if ! grep -qsE '^[[:space:]]*LoadModule[[:space:]]+proxy_uwsgi_module[[:space:]]' /etc/httpd/conf.modules.d/*.conf; then
    put_file "$EL_PROXY_UWSGI_CONF" 0644 root:root <<'INDICOVM_EOF'
LoadModule proxy_uwsgi_module modules/mod_proxy_uwsgi.so
INDICOVM_EOF
  fi
  apachectl configtest
fi
`,
    'arguments.sh': `DETECT_ONLY=no
case "\${1:-}" in
  '') ;;
  --detect-only) DETECT_ONLY=yes ;;
  -h | --help)
    sed -n '2,9p' "$0"
    exit 0
    ;;
  *) die "unknown argument '$1' (allowed: --detect-only, --help)" ;;
esac
`,
    'configuration.sh': `step 'Configuration files and systemd units'
mkdir -p "$CONFIG_DIR" "$STATE_DIR"
chmod 700 "$CONFIG_DIR"
# Facts about this machine that the first-boot script reads.
put_file "$HOST_ENV" 0600 root:root <<INDICOVM_EOF
REDIS_SERVICE=$REDIS_SERVICE
REDIS_GROUP=$REDIS_GROUP
REDIS_DROP_IN=$REDIS_DROP_IN
WEB_SERVICE=$WEB_SERVICE
PG_SERVICE=$PG_SERVICE
INDICOVM_EOF
#@ files
systemctl daemon-reload
systemctl enable --quiet "$FIRSTBOOT_UNIT" "$UWSGI_UNIT" "$CELERY_UNIT" "$CELERY_BEAT_UNIT"
note "enabled $FIRSTBOOT_UNIT, $UWSGI_UNIT, $CELERY_UNIT and $CELERY_BEAT_UNIT"
`,
    'database-schema-skipped.sh': `step 'Database schema'
loud 'SKIPPED: "indico db prepare" (install-indico is false).'
`,
    'database-schema.sh': `step 'Database schema'
if [ "$(as_postgres -d "$DB_NAME" -c "SELECT to_regclass('public.alembic_version') IS NOT NULL")" = t ]; then
  note "database $DB_NAME is already prepared"
else
  runuser -u "$INDICO_USER" -- env HOME="$INSTALL_DIR" INDICO_CONFIG="$INSTALL_DIR/etc/indico.conf" "$VENV/bin/indico" db prepare
  note "prepared database $DB_NAME"
fi
`,
    'distribution.sh': `if [ "$DETECT_ONLY" = yes ]; then
  detect_os
  printf 'family=%s id=%s version=%s\\n' "$OS_FAMILY" "$OS_ID" "$OS_VERSION"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || die "run this script as root"
# psql runs as postgres and indico as its user: start where every user may be.
cd /

step 'Distribution'
detect_os
note "$OS_ID $OS_VERSION ($OS_FAMILY family)"
if [ "$OS_FAMILY" = debian ]; then
  PG_SERVICE=postgresql
  REDIS_SERVICE=redis-server
  if [ "$WEB_SERVER" = nginx ]; then WEB_SERVICE=nginx; WEB_USER=www-data; else WEB_SERVICE=apache2; WEB_USER=www-data; fi
else
  PG_SERVICE=postgresql
  REDIS_SERVICE=redis
  if [ "$WEB_SERVER" = nginx ]; then WEB_SERVICE=nginx; WEB_USER=nginx; else WEB_SERVICE=httpd; WEB_USER=apache; fi
fi
REDIS_GROUP=redis
APACHE_CONF=
`,
    'firewall.sh': `step 'Firewall'
firewall_kind=$FIREWALL
if [ "$firewall_kind" = auto ]; then
  firewall_kind=none
  if [ "$OS_FAMILY" = el ]; then
    if command -v firewall-cmd >/dev/null 2>&1; then firewall_kind=firewalld; fi
  elif command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active'; then
    firewall_kind=ufw
  elif command -v nft >/dev/null 2>&1 && systemctl is-active --quiet nftables 2>/dev/null; then
    firewall_kind=nftables
  fi
fi
case "$firewall_kind" in
  firewalld)
    for port in "$HTTP_PORT" "$HTTPS_PORT"; do
      if systemctl is-active --quiet firewalld; then
        firewall-cmd --quiet --query-port="$port/tcp" --permanent || { firewall-cmd --quiet --permanent --add-port="$port/tcp"; note "opened $port/tcp"; }
        firewall-cmd --quiet --query-port="$port/tcp" || firewall-cmd --quiet --add-port="$port/tcp"
      else
        firewall-offline-cmd --quiet --query-port="$port/tcp" || { firewall-offline-cmd --quiet --add-port="$port/tcp"; note "opened $port/tcp (firewalld not running)"; }
      fi
    done
    ;;
  ufw)
    for port in "$HTTP_PORT" "$HTTPS_PORT"; do
      ufw status | grep -qE "^$port/tcp +ALLOW" || { ufw allow "$port/tcp" >/dev/null; note "opened $port/tcp"; }
    done
    ;;
  nftables)
    # A table of our own: it only accepts, so a drop policy elsewhere still decides the rest.
    put_file /etc/nftables.d/indicovm.nft 0644 root:root <<INDICOVM_EOF
table inet indicovm {
  chain input {
    type filter hook input priority -10; policy accept;
    tcp dport { $HTTP_PORT, $HTTPS_PORT } accept
  }
}
INDICOVM_EOF
    ensure_line /etc/nftables.conf 'include "/etc/nftables.d/indicovm.nft"'
    if changed /etc/nftables.d/indicovm.nft || ! nft list table inet indicovm >/dev/null 2>&1; then
      # Only our table is replaced; reloading all of /etc/nftables.conf would flush other rules.
      nft delete table inet indicovm 2>/dev/null || true
      nft -f /etc/nftables.d/indicovm.nft
      note "opened $HTTP_PORT/tcp and $HTTPS_PORT/tcp"
    fi
    ;;
  none) note "no active firewall to open: nothing to do" ;;
esac
`,
    'firstboot.sh': `# indicovm-firstboot: per-instance secrets for the Indico stack (written by indicovm).
# Usage: indicovm-firstboot [regenerate|apply]
set -eu
umask 077
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

MODE=\${1:-regenerate}
case "$MODE" in
  regenerate|apply) ;;
  *) printf 'usage: %s [regenerate|apply]\\n' "$0" >&2; exit 2 ;;
esac

#@ variables
CHANGED=no

log() { printf 'indicovm-firstboot: %s\\n' "$*"; }

[ -r "$HOST_ENV" ] || { log "$HOST_ENV is missing: run the provisioning script first" >&2; exit 1; }
# shellcheck source=/dev/null
. "$HOST_ENV"

new_secret() {
  od -An -tx1 -N32 /dev/urandom | tr -d ' \\n'
}

# secret_value NAME: the value of one of GENERATED_SECRETS, empty when it is not set.
secret_value() {
  case "$1" in
    REDIS_PASSWORD) printf '%s' "\${REDIS_PASSWORD:-}" ;;
    SECRET_KEY) printf '%s' "\${SECRET_KEY:-}" ;;
    DB_PASSWORD) printf '%s' "\${DB_PASSWORD:-}" ;;
    *) log "no secret named $1" >&2; exit 1 ;;
  esac
}

# placeholder NAME: what stands for the secret in the templates.
placeholder() {
  case "$1" in
    REDIS_PASSWORD) printf '%s' "$REDIS_PASSWORD_PLACEHOLDER" ;;
    SECRET_KEY) printf '%s' "$SECRET_KEY_PLACEHOLDER" ;;
    DB_PASSWORD) printf '%s' "$DB_PASSWORD_PLACEHOLDER" ;;
    *) log "no secret named $1" >&2; exit 1 ;;
  esac
}

# install_if_changed SOURCE TARGET MODE OWNER:GROUP: replace TARGET only when its content differs.
install_if_changed() {
  if [ -f "$2" ] && cmp -s "$1" "$2"; then
    rm -f "$1"
  else
    chmod "$3" "$1"
    chown "$4" "$1"
    mv -f "$1" "$2"
    CHANGED=yes
    log "wrote $2"
  fi
}

# 1. Secrets: new ones on a new instance, the stored ones otherwise.
if [ "$MODE" = regenerate ] || [ ! -s "$SECRETS" ]; then
  # Hashes (never values) of the secrets being replaced, so a check on a new instance can show that
  # its secrets are not the image's.
  rm -f "$REPLACED"
  if [ -n "$GENERATED_SECRETS" ] && [ -s "$SECRETS" ]; then
    mkdir -p "$(dirname "$REPLACED")"
    (
      # shellcheck source=/dev/null
      . "$SECRETS"
      for name in $GENERATED_SECRETS; do
        value=$(secret_value "$name")
        [ -z "$value" ] || printf '%s %s\\n' "$name" "$(printf '%s' "$value" | sha256sum | cut -d' ' -f1)"
      done
    ) > "$REPLACED.tmp"
    mv -f "$REPLACED.tmp" "$REPLACED"
  fi
  mkdir -p "$(dirname "$SECRETS")"
  tmp=$(mktemp "$SECRETS.XXXXXX")
  {
    printf '# Per-instance secrets generated by indicovm-firstboot; delete with the stamp to regenerate.\\n'
    [ -n "$GENERATED_SECRETS" ] || printf '# every secret was given as an option\\n'
    for name in $GENERATED_SECRETS; do
      printf '%s=%s\\n' "$name" "$(new_secret)"
    done
  } > "$tmp"
  mv -f "$tmp" "$SECRETS"
  log "generated new per-instance secrets"
fi
# shellcheck source=/dev/null
. "$SECRETS"
for name in $GENERATED_SECRETS; do
  [ -n "$(secret_value "$name")" ] || { log "$SECRETS is incomplete: run with regenerate" >&2; exit 1; }
done

# 2. Live config files from the templates. The generated secrets are hex: nothing in them is special
# to sed.
substitutions=
for name in $GENERATED_SECRETS; do
  substitutions="\${substitutions}s/$(placeholder "$name")/$(secret_value "$name")/g;"
done
render() {
  mkdir -p "$(dirname "$2")"
  tmp=$(mktemp "$2.XXXXXX")
  sed -e "$substitutions" "$1" > "$tmp"
  install_if_changed "$tmp" "$2" "$3" "$4"
}
render "$TEMPLATES/indico.conf" "$INSTALL_DIR/etc/indico.conf" 0640 "root:$INDICO_USER"
render "$TEMPLATES/redis.conf" "$REDIS_DROP_IN" 0640 "root:$REDIS_GROUP"

# 3. PostgreSQL role password.
case " $GENERATED_SECRETS " in
  *' DB_PASSWORD '*)
    tries=0
    until runuser -u postgres -- psql -qtAc 'SELECT 1' >/dev/null 2>&1; do
      tries=$((tries + 1))
      [ "$tries" -lt 60 ] || { log "PostgreSQL did not answer within 60 s" >&2; exit 1; }
      sleep 1
    done
    printf "SET password_encryption = 'scram-sha-256';\\nALTER ROLE %s PASSWORD '%s';\\n" "$DB_ROLE_SQL" "$DB_PASSWORD" |
      runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 >/dev/null
    log "set the PostgreSQL password of role $DB_USER"
    ;;
  *) log "the password of PostgreSQL role $DB_USER was given as an option: left as it is" ;;
esac

# 4. Self-signed TLS certificate (a given certificate is never replaced).
if [ "$SELF_SIGNED" = yes ] && { [ "$MODE" = regenerate ] || [ ! -s "$SSL_CERT" ] || [ ! -s "$SSL_KEY" ]; }; then
  mkdir -p "$(dirname "$SSL_CERT")"
  chmod 700 "$(dirname "$SSL_CERT")"
  openssl req -x509 -nodes -newkey rsa:4096 -days 3650 -subj "/CN=$SERVER_NAME" \\
    -keyout "$SSL_KEY.new" -out "$SSL_CERT.new" 2>/dev/null
  chmod 600 "$SSL_KEY.new"
  chmod 644 "$SSL_CERT.new"
  mv -f "$SSL_KEY.new" "$SSL_KEY"
  mv -f "$SSL_CERT.new" "$SSL_CERT"
  CHANGED=yes
  log "generated a self-signed certificate for $SERVER_NAME"
fi

# 5. Restart what runs; at boot nothing runs yet (this unit is ordered before the services).
if [ "$CHANGED" = yes ]; then
  for unit in "$REDIS_SERVICE" "$WEB_SERVICE" "$UWSGI_UNIT" "$CELERY_UNIT" "$CELERY_BEAT_UNIT"; do
    if systemctl is-active --quiet "$unit" 2>/dev/null; then
      systemctl restart "$unit"
      log "restarted $unit"
    fi
  done
fi

if [ "$MODE" = regenerate ]; then
  mkdir -p "$(dirname "$STAMP")"
  : > "$STAMP"
fi
log "done ($MODE)"
`,
    'library.sh': `STEP=0
CHANGED_FILES=' '

step() {
  STEP=$((STEP + 1))
  printf '\\n==> [%s/%s] %s\\n' "$STEP" "$TOTAL_STEPS" "$1"
}

note() {
  printf '    %s\\n' "$*"
}

die() {
  printf 'indicovm: error: %s\\n' "$*" >&2
  exit 1
}

loud() {
  printf '\\n    ********************************************************************\\n'
  printf '    *** %s\\n' "$@"
  printf '    ********************************************************************\\n'
}

# os_field NAME: one field of os-release, without quotes.
os_field() {
  sed -n "s/^$1=//p" "$INDICOVM_OS_RELEASE" | tail -n 1 | tr -d "\\"'"
}

# detect_os: sets OS_ID, OS_VERSION and OS_FAMILY (debian or el), or exits $UNSUPPORTED_EXIT.
detect_os() {
  [ -r "$INDICOVM_OS_RELEASE" ] || die "cannot read $INDICOVM_OS_RELEASE to tell the distribution"
  OS_ID=$(os_field ID)
  OS_VERSION=$(os_field VERSION_ID)
  case "$OS_ID:$OS_VERSION" in
    debian:12 | debian:13 | ubuntu:22.04 | ubuntu:24.04) OS_FAMILY=debian ;;
    almalinux:9 | almalinux:9.* | rocky:9 | rocky:9.*) OS_FAMILY=el ;;
    *)
      printf 'indicovm: unsupported distribution "%s %s" (from %s).\\n' "$OS_ID" "$OS_VERSION" "$INDICOVM_OS_RELEASE" >&2
      printf 'indicovm: supported are %s.\\n' "$SUPPORTED_TEXT" >&2
      exit "$UNSUPPORTED_EXIT"
      ;;
  esac
}

# put_file PATH MODE OWNER:GROUP < content: replaces PATH only when the content differs.
put_file() {
  mkdir -p "$(dirname "$1")"
  put_tmp=$(mktemp "$1.indicovm.XXXXXX")
  cat > "$put_tmp"
  if [ -f "$1" ] && cmp -s "$put_tmp" "$1"; then
    rm -f "$put_tmp"
    chmod "$2" "$1"
    chown "$3" "$1"
  else
    chmod "$2" "$put_tmp"
    chown "$3" "$put_tmp"
    mv -f "$put_tmp" "$1"
    CHANGED_FILES="$CHANGED_FILES$1 "
    note "wrote $1"
  fi
}

# changed PATH...: true when put_file replaced any of them in this run.
changed() {
  for changed_path in "$@"; do
    case "$CHANGED_FILES" in *" $changed_path "*) return 0 ;; esac
  done
  return 1
}

# ensure_line FILE LINE: appends LINE unless FILE already has it.
ensure_line() {
  if ! grep -qxF -- "$2" "$1"; then
    printf '%s\\n' "$2" >> "$1"
    CHANGED_FILES="$CHANGED_FILES$1 "
    note "added '$2' to $1"
  fi
}

# as_postgres SQL...: runs psql as the postgres superuser.
as_postgres() {
  runuser -u postgres -- psql -qtA -v ON_ERROR_STOP=1 "$@"
}

# start_service UNIT [restart]: enables the unit and starts it, or restarts it when asked.
start_service() {
  systemctl enable --quiet "$1"
  if [ "\${2:-}" = restart ] && systemctl is-active --quiet "$1"; then
    systemctl restart "$1"
    note "restarted $1"
  elif ! systemctl is-active --quiet "$1"; then
    systemctl start "$1"
    if systemctl is-active --quiet "$1"; then
      note "started $1"
    else
      note "$1 is enabled but not running (a ConditionPathExists of the unit is not met yet)"
    fi
  fi
}
`,
    'nginx-http2.sh': `nginx_has_http2_directive() {
  nginx_version=$(nginx -v 2>&1 | sed -n 's|^nginx version: [^/]*/\\([0-9][0-9.]*\\).*|\\1|p')
  [ -n "$nginx_version" ] && printf '%s\\n%s\\n' 1.25.1 "$nginx_version" | sort -V -C
}
nginx_http2_filter() {
  if [ "$1" = yes ]; then
    sed -e '/^  listen  *\\[::\\]:[0-9][0-9]* ssl http2;$/a\\
  http2 on;' -e 's/^\\(  listen  *[^ ]* ssl\\) http2;$/\\1;/'
  else
    cat
  fi
}
`,
    'nginx.sh': `step 'Web server (nginx)'
#@ nginx-http2
if nginx_has_http2_directive; then NGINX_HTTP2=yes; else NGINX_HTTP2=no; fi
vhost_tmp=$(mktemp)
#@ vhost
rm -f "$vhost_tmp"
[ "$NGINX_HTTP2" = no ] || note "nginx $nginx_version: HTTP/2 with the http2 directive"
# The distribution's default site would take requests for other host names on port 80.
if [ -L /etc/nginx/sites-enabled/default ]; then
  rm -f /etc/nginx/sites-enabled/default
  CHANGED_FILES="$CHANGED_FILES/etc/nginx/sites-enabled/default "
  note "disabled the default nginx site"
fi
nginx -t
`,
    'packages.sh': `step 'System packages'
if [ "$OS_FAMILY" = debian ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  set -- postgresql postgresql-contrib redis-server openssl ca-certificates
  if [ "$WEB_SERVER" = nginx ]; then set -- "$@" nginx; else set -- "$@" apache2 libapache2-mod-xsendfile; fi
  if [ "$FIREWALL" = ufw ]; then set -- "$@" ufw; fi
  if [ "$FIREWALL" = nftables ]; then set -- "$@" nftables; fi
  if [ "$FIREWALL" = firewalld ]; then set -- "$@" firewalld; fi
  apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=900 "$@"
else
  dnf install -y -q epel-release dnf-plugins-core
  dnf config-manager --set-enabled crb
  # Indico's EL guide takes PostgreSQL 16; the AppStream module stream gives it without an extra repository.
  if ! rpm -q postgresql-server >/dev/null 2>&1; then
    dnf module enable -y -q postgresql:16 || note "postgresql:16 module stream not available: using the default PostgreSQL"
  fi
  set -- postgresql-server postgresql-contrib redis openssl policycoreutils-python-utils
  if [ "$WEB_SERVER" = nginx ]; then set -- "$@" nginx; else set -- "$@" httpd mod_ssl mod_xsendfile; fi
  if [ "$FIREWALL" = firewalld ]; then set -- "$@" firewalld; fi
  dnf install -y -q "$@"
fi
`,
    'postgresql.sh': `step 'PostgreSQL'
if [ "$OS_FAMILY" = el ] && [ ! -s /var/lib/pgsql/data/PG_VERSION ]; then
  postgresql-setup --initdb
fi
start_service "$PG_SERVICE"
tries=0
until as_postgres -c 'SELECT 1' >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || die "PostgreSQL did not answer within 60 s"
  sleep 1
done
# Indico connects over TCP to 127.0.0.1 with a password; put its rule before the distribution's
# (EL's default for 127.0.0.1 is ident, which a password cannot pass).
HBA_FILE=$(as_postgres -c 'SHOW hba_file')
hba_v4="host $DB_NAME $DB_USER 127.0.0.1/32 scram-sha-256"
hba_v6="host $DB_NAME $DB_USER ::1/128 scram-sha-256"
if ! grep -qxF "$hba_v4" "$HBA_FILE"; then
  hba_tmp=$(mktemp "$HBA_FILE.indicovm.XXXXXX")
  { printf '%s\\n' '# Indico (indicovm)' "$hba_v4" "$hba_v6"; cat "$HBA_FILE"; } > "$hba_tmp"
  chown postgres:postgres "$hba_tmp"
  chmod 640 "$hba_tmp"
  mv -f "$hba_tmp" "$HBA_FILE"
  as_postgres -c 'SELECT pg_reload_conf()' >/dev/null
  note "allowed $DB_USER to reach $DB_NAME over 127.0.0.1 with a password"
fi
if [ "$(as_postgres -c "SELECT 1 FROM pg_roles WHERE rolname = $DB_USER_LITERAL")" != 1 ]; then
  as_postgres -c "CREATE ROLE $DB_USER_IDENTIFIER LOGIN" >/dev/null
  note "created role $DB_USER"
fi
if [ "$(as_postgres -c "SELECT 1 FROM pg_database WHERE datname = $DB_NAME_LITERAL")" != 1 ]; then
  as_postgres -c "CREATE DATABASE $DB_NAME_IDENTIFIER OWNER $DB_USER_IDENTIFIER" >/dev/null
  note "created database $DB_NAME"
fi
for extension in unaccent pg_trgm; do
  if [ "$(as_postgres -d "$DB_NAME" -c "SELECT 1 FROM pg_extension WHERE extname = '$extension'")" != 1 ]; then
    as_postgres -d "$DB_NAME" -c "CREATE EXTENSION $extension" >/dev/null
    note "created extension $extension"
  fi
done
#@ given-password
`,
    'python-indico-skipped.sh': `step "Python $PYTHON_VERSION and Indico"
loud 'SKIPPED: Python '"$PYTHON_VERSION"', pip install of Indico and "indico db prepare"' \\
  '(install-indico is false). The uWSGI and Celery units are installed and enabled' \\
  "but stay inactive until $VENV/bin/indico and $VENV/bin/uwsgi exist."
`,
    'python-indico.sh': `step "Python $PYTHON_VERSION and Indico"
# Build dependencies from Indico's guides (uWSGI and some wheels compile).
if [ "$OS_FAMILY" = debian ]; then
  set -- build-essential git libpq-dev libxslt1-dev libxml2-dev libffi-dev libpcre2-dev libyaml-dev libssl-dev \\
    zlib1g-dev libbz2-dev libreadline-dev libsqlite3-dev xz-utils liblzma-dev uuid-dev libpango1.0-dev \\
    python3 python3-venv python3-dev
  if [ "$OS_ID" = ubuntu ]; then set -- "$@" libjpeg-turbo8-dev; else set -- "$@" libjpeg62-turbo-dev; fi
  apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=900 "$@"
else
  dnf install -y -q git gcc make libjpeg-turbo-devel libxslt-devel libxml2-devel libffi-devel pcre-devel \\
    libyaml-devel zlib-devel bzip2 bzip2-devel readline-devel sqlite sqlite-devel openssl-devel xz xz-devel \\
    findutils libuuid-devel tar pango libpq-devel python3 python3.12 python3.12-devel
fi
#@ python-selection
if [ ! -x "$VENV/bin/python" ]; then
  as_indico "$PYTHON" -m venv --upgrade-deps --prompt indico "$VENV"
  note "created $VENV"
fi
as_indico "$VENV/bin/pip" install -q setuptools wheel
as_indico "$VENV/bin/pip" install -q uwsgi
as_indico "$VENV/bin/pip" install -q "$INDICO_REQUIREMENT"
note "installed $("$VENV/bin/pip" show indico 2>/dev/null | sed -n 's/^Version: /indico /p')"
# What 'indico setup wizard' would create next to indico.conf.
INDICO_PACKAGE=$("$VENV/bin/python" -c 'import indico, os; print(os.path.dirname(indico.__file__))')
if [ "$(readlink "$INSTALL_DIR/web/static" 2>/dev/null || true)" != "$INDICO_PACKAGE/web/static" ]; then
  ln -sfn "$INDICO_PACKAGE/web/static" "$INSTALL_DIR/web/static"
  note "linked $INSTALL_DIR/web/static"
fi
put_file "$INSTALL_DIR/web/indico.wsgi" 0640 "$INDICO_USER:$INDICO_USER" < "$INDICO_PACKAGE/web/indico.wsgi"
if [ ! -e "$INSTALL_DIR/etc/logging.yaml" ] && [ -e "$INDICO_PACKAGE/logging.yaml.sample" ]; then
  put_file "$INSTALL_DIR/etc/logging.yaml" 0640 "root:$INDICO_USER" < "$INDICO_PACKAGE/logging.yaml.sample"
fi
ln -sfn "$INSTALL_DIR/etc/indico.conf" "$INSTALL_DIR/.indico.conf"
chown -h "$INDICO_USER:$INDICO_USER" "$INSTALL_DIR/.indico.conf"
chmod 750 "$VENV"
`,
    'python-select.sh': `python_ok() {
  "$1" -c 'import sys; v = sys.version_info[:3]; sys.exit(not ((3, 12, 2) <= v < (3, 13)))' 2>/dev/null
}
PYTHON=
case "$PYTHON_VERSION" in
  3.12)
    for candidate in python3.12 python3; do
      found=$(command -v "$candidate" 2>/dev/null) || continue
      if python_ok "$found"; then PYTHON=$found; break; fi
    done
    ;;
esac
if [ -z "$PYTHON" ]; then
  if [ ! -x "$INSTALL_DIR/.uv/bin/uv" ]; then
    as_indico python3 -m venv "$INSTALL_DIR/.uv"
    as_indico "$INSTALL_DIR/.uv/bin/pip" install -q uv
  fi
  # only-managed: a distribution's python3.12 that Indico refuses (3.12.0/3.12.1) must not be "found".
  as_indico env UV_PYTHON_INSTALL_DIR="$INSTALL_DIR/.python" UV_PYTHON_PREFERENCE=only-managed \${PYTHON_INSTALL_MIRROR:+UV_PYTHON_INSTALL_MIRROR="$PYTHON_INSTALL_MIRROR"} "$INSTALL_DIR/.uv/bin/uv" python install "$PYTHON_VERSION"
  PYTHON=$(as_indico env UV_PYTHON_INSTALL_DIR="$INSTALL_DIR/.python" UV_PYTHON_PREFERENCE=only-managed "$INSTALL_DIR/.uv/bin/uv" python find "$PYTHON_VERSION")
fi
python_ok "$PYTHON" || die "$PYTHON is not a Python Indico 3.3 accepts (>=3.12.2,<3.13)"
note "Python: $PYTHON ($("$PYTHON" -V 2>&1))"
`,
    'redis.sh': `step 'Redis'
REDIS_MAIN=
for candidate in /etc/redis/redis.conf /etc/redis.conf; do
  if [ -f "$candidate" ]; then REDIS_MAIN=$candidate; break; fi
done
[ -n "$REDIS_MAIN" ] || die "no redis.conf found in /etc/redis or /etc"
# Included last, so its bind, port and requirepass win over the distribution's.
ensure_line "$REDIS_MAIN" "include $REDIS_DROP_IN"
if changed "$REDIS_MAIN"; then
  start_service "$REDIS_SERVICE" restart
else
  start_service "$REDIS_SERVICE"
fi
`,
    'secrets.sh': `step 'Per-instance secrets'
# The same logic as indicovm-firstboot.service: on a first run it generates this instance's secrets
# (and writes the stamp, so the unit does not repeat it on the next boot); on later runs it only
# re-renders the configs from the stored secrets. Sealing an image deletes the stamp.
if [ -e "$STAMP" ]; then
  "$FIRSTBOOT_SCRIPT" apply
else
  "$FIRSTBOOT_SCRIPT" regenerate
fi
`,
    'selinux.sh': `step 'SELinux'
if [ "$OS_FAMILY" = el ] && command -v getenforce >/dev/null 2>&1 && [ "$(getenforce)" != Disabled ]; then
  for spec in "httpd_sys_rw_content_t $INSTALL_DIR_REGEX/web/uwsgi\\\\.sock" "httpd_log_t $INSTALL_DIR_REGEX/log/$WEB_LOG_DIR(/.*)?"; do
    selinux_type=\${spec%% *}
    selinux_path=\${spec#* }
    if ! semanage fcontext -l -C | grep -qF "$selinux_path "; then
      semanage fcontext -a -t "$selinux_type" "$selinux_path"
      note "file context $selinux_type for $selinux_path"
    fi
  done
  for port in "$HTTP_PORT" "$HTTPS_PORT"; do
    if ! semanage port -l | awk '$1 == "http_port_t" && $2 == "tcp"' | tr -s ', ' '\\n' | grep -qxF "$port"; then
      semanage port -a -t http_port_t -p tcp "$port" 2>/dev/null || semanage port -m -t http_port_t -p tcp "$port"
      note "allowed the web server on port $port"
    fi
  done
#@ module
  if changed "$SELINUX_MODULE" || ! semodule -l | grep -qxF indicovm; then
    semodule -i "$SELINUX_MODULE"
    note "loaded SELinux module indicovm"
  fi
  restorecon -R "$INSTALL_DIR" "$SSL_DIR"
  note "SELinux stays $(getenforce)"
else
  note "not an SELinux system: nothing to do"
fi
`,
    'services.sh': `step 'Services'
if changed "$WEB_CONFIG" "$SSL_CERT" "$SSL_KEY" "$APACHE_CONF" "$EL_PROXY_UWSGI_CONF" /etc/nginx/sites-enabled/default proxy_uwsgi rewrite ssl xsendfile http2; then
  start_service "$WEB_SERVICE" restart
else
  start_service "$WEB_SERVICE"
fi
for unit in "$UWSGI_UNIT" "$CELERY_UNIT" "$CELERY_BEAT_UNIT"; do
  if changed "$INSTALL_DIR/etc/indico.conf" "$INSTALL_DIR/web/indico.wsgi" "$UWSGI_INI" "$UNIT_DIR/$UWSGI_UNIT" "$UNIT_DIR/$CELERY_UNIT" "$UNIT_DIR/$CELERY_BEAT_UNIT"; then start_service "$unit" restart; else start_service "$unit"; fi
done
for unit in "$PG_SERVICE" "$REDIS_SERVICE" "$WEB_SERVICE" "$UWSGI_UNIT" "$CELERY_UNIT" "$CELERY_BEAT_UNIT" "$FIRSTBOOT_UNIT"; do
  note "$(printf '%-28s %-9s %s' "$unit" "$(systemctl is-enabled "$unit" 2>/dev/null || true)" "$(systemctl is-active "$unit" 2>/dev/null || true)")"
done
printf '\\nindicovm: the Indico stack is installed; Indico answers at %s\\n' "$BASE_URL"
`,
    'tls.sh': `step 'TLS certificate'
mkdir -p "$SSL_DIR"
chown root:root "$SSL_DIR"
chmod 700 "$SSL_DIR"
#@ files
`,
    'user-and-directories.sh': `step 'Indico user and directories'
getent group "$INDICO_USER" >/dev/null || { groupadd --system "$INDICO_USER"; note "created group $INDICO_USER"; }
if ! id -u "$INDICO_USER" >/dev/null 2>&1; then
  useradd --system --gid "$INDICO_USER" --home-dir "$INSTALL_DIR" --no-create-home --shell /bin/bash "$INDICO_USER"
  note "created user $INDICO_USER"
fi
# The web server reads static files and the uWSGI socket through the Indico group.
if ! id -nG "$WEB_USER" | tr ' ' '\\n' | grep -qxF "$INDICO_USER"; then
  usermod -a -G "$INDICO_USER" "$WEB_USER"
  note "added $WEB_USER to group $INDICO_USER"
fi
for dir in "$INSTALL_DIR" "$INSTALL_DIR/etc" "$INSTALL_DIR/archive" "$INSTALL_DIR/cache" "$INSTALL_DIR/log" \\
  "$INSTALL_DIR/log/$WEB_LOG_DIR" "$INSTALL_DIR/tmp" "$INSTALL_DIR/web"; do
  [ -d "$dir" ] || { mkdir -p "$dir"; note "created $dir"; }
  chown "$INDICO_USER:$INDICO_USER" "$dir"
done
chmod 710 "$INSTALL_DIR" "$INSTALL_DIR/archive" "$INSTALL_DIR/cache" "$INSTALL_DIR/log" "$INSTALL_DIR/tmp"
# indico.conf holds the secrets: the web server, in Indico's group, must not enter etc (the guide's 700).
chmod 700 "$INSTALL_DIR/etc"
chmod 750 "$INSTALL_DIR/web"
chmod 770 "$INSTALL_DIR/log/$WEB_LOG_DIR"
`,
    'wheelhouse.sh': `# unpack_wheelhouse ARCHIVE: the distributions in ARCHIVE, flat in $WHEELHOUSE_DIR.
unpack_wheelhouse() {
  wh_work=$(mktemp -d /var/tmp/indicovm-wheelhouse.XXXXXX) || return 1
  chmod 0711 "$wh_work"
  mkdir "$wh_work/x"
  install -m 0644 -o nobody -- "$1" "$wh_work/archive"
  chown nobody "$wh_work/x"
  if ! runuser -u nobody -- tar -xf "$wh_work/archive" -C "$wh_work/x" --no-same-owner --no-same-permissions; then
    rm -rf "$wh_work"
    printf 'indicovm: error: python-wheelhouse: cannot unpack the archive\\n' >&2
    return 1
  fi
  mkdir -p "$WHEELHOUSE_DIR"
  chmod 0755 "$WHEELHOUSE_PARENT" "$WHEELHOUSE_DIR"
  find "$wh_work/x" -type f \\( -name '*.whl' -o -name '*.tar.gz' -o -name '*.zip' \\) \\
    -exec install -m 0644 -o root -g root -t "$WHEELHOUSE_DIR" {} +
  rm -rf "$wh_work"
  wh_count=$(find "$WHEELHOUSE_DIR" -maxdepth 1 -type f -name '*.whl' | wc -l)
  if [ "$wh_count" -eq 0 ]; then
    printf 'indicovm: error: python-wheelhouse: the archive holds no .whl file\\n' >&2
    return 1
  fi
  printf '    wheelhouse: %s wheels in %s\\n' "$wh_count" "$WHEELHOUSE_DIR"
}

# fetch_wheelhouse URL: downloads a wheelhouse tarball over https (python3: every cloud image has it).
fetch_wheelhouse() {
  wh_file=$(mktemp /var/tmp/indicovm-wheelhouse-download.XXXXXX) || return 1
  if ! python3 - "$1" "$wh_file" <<'INDICOVM_FETCH'
import shutil, sys, urllib.request
url, target = sys.argv[1], sys.argv[2]
if not url.lower().startswith("https://"):
    sys.exit("indicovm: error: python-wheelhouse: only https:// URLs are fetched")
try:
    with urllib.request.urlopen(url, timeout=60) as response, open(target, "wb") as out:
        shutil.copyfileobj(response, out, 1 << 20)
except Exception as error:  # one line for the log, not a traceback
    sys.exit("indicovm: error: python-wheelhouse: %s: %s" % (url, error))
INDICOVM_FETCH
  then
    rm -f "$wh_file"
    printf 'indicovm: error: python-wheelhouse: cannot download %s\\n' "$1" >&2
    return 1
  fi
  unpack_wheelhouse "$wh_file" || { rm -f "$wh_file"; return 1; }
  rm -f "$wh_file"
}
`,
};

;// CONCATENATED MODULE: ./shared/recipe/sh-file.ts


const SLOT = /^[ \t]*#@ ([a-z0-9-]+)\n/gm;
/**
 * A .sh file's text with each `#@ NAME` line replaced by rendered text (here-documents of config files,
 * generated functions): the only places where the renderer writes into a file's code. Every slot must
 * be filled and every filler must have its slot, so a renamed slot cannot silently drop a file.
 */
function shellFile(name, slots = {}) {
    const used = new Set();
    const text = SHELL[name].replace(SLOT, (_line, slot) => {
        const filler = slots[slot];
        if (filler === undefined)
            throw new Error(`${name}: slot ${slot} is not filled`);
        used.add(slot);
        return filler;
    });
    const unused = Object.keys(slots).filter((slot) => !used.has(slot));
    if (unused.length > 0)
        throw new Error(`${name}: no slot ${unused.join(', ')}`);
    return text;
}
/** `NAME=value` lines for the script's preamble, each value quoted once. */
function variableLines(variables) {
    return variables.map(([name, value]) => `${assignments({ [name]: value })}\n`).join('');
}

;// CONCATENATED MODULE: ./shared/recipe/wheelhouse.ts
/**
 * python-wheelhouse: the wheels pip installs from where PyPI cannot be reached. A folder or tarball
 * on this machine is packed and sent over SSH; an https URL is fetched by the VM itself (the only way
 * into a stock image's user-data). Either way the wheels land flat in WHEELHOUSE_DIR, and pip runs
 * with --no-index --find-links there. The directory lives until the image is sealed (provision scripts
 * may install plugins from it) or until `upgrade` is done with it.
 */








const WHEELHOUSE_PARENT = '/var/cache/indicovm';
const WHEELHOUSE_DIR = `${WHEELHOUSE_PARENT}/wheelhouse`;
/** What pip can use from a find-links folder: wheels and source archives. */
const DISTRIBUTION = /\.(?:whl|tar\.gz|zip)$/;
const TARBALL = /\.(?:tar|tar\.gz|tgz|tar\.xz|txz|tar\.bz2|tbz2)$/;
function isWheelhouseUrl(value) {
    return /^https:\/\//i.test(value);
}
/** Reads the option's value (relative paths from `cwd`); refuses what pip could not use. */
function wheelhouseSource(value, cwd) {
    if (isWheelhouseUrl(value))
        return { kind: 'url', url: value };
    const path = (0,external_node_path_.resolve)(cwd, value);
    const fail = (what) => {
        throw new errors/* ConfigurationError */.j1(`Option 'python-wheelhouse': ${path} ${what}; give a folder of wheels, a tarball of one (.tar, .tar.gz, .tgz, .tar.xz) or an https:// URL of a tarball.`);
    };
    if (!(0,external_node_fs_.existsSync)(path))
        return fail('does not exist');
    const stat = (0,external_node_fs_.statSync)(path);
    if (stat.isDirectory()) {
        const files = (0,external_node_fs_.readdirSync)(path)
            .filter((name) => DISTRIBUTION.test(name) && (0,external_node_fs_.statSync)((0,external_node_path_.resolve)(path, name)).isFile())
            .sort();
        if (!files.some((name) => name.endsWith('.whl')))
            return fail('holds no .whl file');
        return { kind: 'folder', path, files };
    }
    if (stat.isFile() && TARBALL.test(path))
        return { kind: 'tarball', path };
    return fail('is neither a folder nor a tarball');
}
/** wheelhouse.sh with the two folders it reads, for the provisioning script and the scripts sent over SSH. */
const WHEELHOUSE_FUNCTIONS = variableLines([
    ['WHEELHOUSE_PARENT', WHEELHOUSE_PARENT],
    ['WHEELHOUSE_DIR', WHEELHOUSE_DIR],
]) + shellFile('wheelhouse.sh');
/** The shell that makes WHEELHOUSE_DIR hold the wheelhouse: fetched for a URL, checked otherwise. */
function wheelhouseReady(value) {
    if (isWheelhouseUrl(value))
        return `fetch_wheelhouse ${quote(value)} || exit 1\n`;
    // Sent over SSH before this script runs (or, for a rendered script, put there by the reader).
    return `[ -n "$(find "$WHEELHOUSE_DIR" -maxdepth 1 -name '*.whl' 2>/dev/null)" ] || die "python-wheelhouse: no wheels in $WHEELHOUSE_DIR"\n`;
}
/** The archive to send for a local source: a tarball as it is, a folder packed with tar. */
async function wheelhouseArchive(source) {
    if (source.kind === 'tarball')
        return (0,external_node_fs_.readFileSync)(source.path);
    const { stdout } = await (0,external_node_util_.promisify)(external_node_child_process_.execFile)('tar', ['-cf', '-', '-C', source.path, '--', ...source.files], {
        encoding: 'buffer',
        maxBuffer: 8 * 1024 ** 3,
    });
    return stdout;
}
/** The remote end of sendWheelhouse: $1 the archive just uploaded (removed whatever happens). */
const UNPACK_SENT = `${WHEELHOUSE_FUNCTIONS}
trap 'rm -f -- "$1"' EXIT
rm -rf "$WHEELHOUSE_DIR"
unpack_wheelhouse "$1"
`;
/**
 * Makes WHEELHOUSE_DIR on the VM hold the wheelhouse: a local one is sent over SSH and unpacked, a
 * URL is fetched by the VM. Replaces what an earlier run left there.
 */
async function installWheelhouse(session, source, reporter) {
    // The scripts' own messages say what went wrong; the script text is no name for the command.
    const unpack = async (script, argument) => {
        const result = await session.exec(['sh', '-c', script, 'sh', argument], {
            sudo: true,
            allowFailure: true,
            onStdout: (text) => reporter.relay(text.replace(/\n$/, '')),
        });
        if (result.code !== 0) {
            throw new errors/* CommandError */.Qd(`python-wheelhouse on ${session.where}`, result.code, result.stderr.trim().slice(-4000));
        }
    };
    if (source.kind === 'url') {
        await unpack(`${WHEELHOUSE_FUNCTIONS}\nrm -rf "$WHEELHOUSE_DIR"\nfetch_wheelhouse "$1"`, source.url);
        return;
    }
    const archive = await wheelhouseArchive(source);
    reporter.info(`python-wheelhouse: sending ${source.path} (${(archive.length / 1024 ** 2).toFixed(1)} MiB)`);
    const sent = `/var/tmp/.indicovm-wheelhouse-${(0,external_node_crypto_.randomBytes)(8).toString('hex')}`;
    await session.upload(archive, sent, { sudo: true, mode: 0o600 });
    await unpack(UNPACK_SENT, sent);
}
/** Removes the wheelhouse (after upgrade; the sealer removes the build's). */
const REMOVE_WHEELHOUSE = ['rm', '-rf', '--', WHEELHOUSE_PARENT];

;// CONCATENATED MODULE: ./shared/qemu/exec.ts



const TAIL_CHARS = 4000;
/** Runs a local program from an argument vector (no shell); a non-zero exit is a CommandError. */
function exec_runTool(argv, options = {}) {
    const [program, ...args] = argv;
    if (program === undefined) {
        return Promise.reject(new Error('runTool needs a program name'));
    }
    return new Promise((resolve, reject) => {
        const child = (0,external_node_child_process_.spawn)(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        const stdout = [];
        let stderr = '';
        child.stdout.on('data', (chunk) => {
            stdout.push(chunk);
            options.onStdout?.(chunk.toString('latin1'));
        });
        child.stderr.setEncoding('utf8');
        child.stderr.on('data', (chunk) => {
            stderr += chunk;
            options.onStderr?.(chunk);
        });
        child.on('error', (error) => {
            reject(new errors/* CommandError */.Qd(commandLine(argv), null, '', error.code === 'ENOENT' ? `${program} is not installed (or not on PATH)` : error.message));
        });
        child.on('close', (code, signal) => {
            const out = Buffer.concat(stdout).toString('utf8');
            if (code === 0) {
                resolve({ stdout: out, stderr });
                return;
            }
            reject(new errors/* CommandError */.Qd(commandLine(argv), code, (stderr || out).slice(-TAIL_CHARS).trim(), signal ? `killed by ${signal}` : undefined));
        });
    });
}

;// CONCATENATED MODULE: ./shared/qemu/img.ts
/** qemu-img, run with argument vectors; JSON output parsed into the few fields the build needs. */

const QEMU_IMG = 'qemu-img';
/** Formats whose qemu-img driver implements `check` (raw and vpc have nothing to check). */
const CHECKABLE_FORMATS = new Set(['qcow2', 'vdi', 'vmdk', 'vhdx']);
/** The file extension of each output format (vpc is known as VHD everywhere else). */
function imageExtension(format) {
    return format === 'vpc' ? 'vhd' : format;
}
async function imageInfo(path) {
    const { stdout } = await exec_runTool([QEMU_IMG, 'info', '--output=json', '--', path]);
    const parsed = JSON.parse(stdout);
    return {
        format: parsed.format,
        virtualSize: parsed['virtual-size'],
        ...(parsed['actual-size'] !== undefined ? { actualSize: parsed['actual-size'] } : {}),
        ...(parsed['backing-filename'] !== undefined ? { backingFile: parsed['backing-filename'] } : {}),
    };
}
/** A qcow2 whose reads fall through to the base image, which is therefore never written. */
async function createOverlay(base, baseFormat, overlay, sizeBytes) {
    await exec_runTool([
        QEMU_IMG,
        'create',
        '-q',
        '-f',
        'qcow2',
        '-b',
        base,
        '-F',
        baseFormat,
        overlay,
        String(sizeBytes),
    ]);
}
async function createImage(path, format, sizeBytes) {
    await runTool([QEMU_IMG, 'create', '-q', '-f', format, path, String(sizeBytes)]);
}
async function resizeImage(path, sizeBytes) {
    await runTool([QEMU_IMG, 'resize', '-q', path, String(sizeBytes)]);
}
/** The `-O` options of a conversion: compression applies to qcow2 only. */
function convertArgs(format, compression) {
    if (format !== 'qcow2' || compression === 'none') {
        return ['-O', format];
    }
    // zstd needs qemu >= 5.1 to read; zlib is the portable choice.
    return compression === 'zstd' ? ['-O', format, '-c', '-o', 'compression_type=zstd'] : ['-O', format, '-c'];
}
/** Flattens the backing chain into one standalone image; onPercent follows `qemu-img convert -p`. */
async function convertImage(source, sourceFormat, target, format, compression, onPercent) {
    await exec_runTool([
        QEMU_IMG,
        'convert',
        ...(onPercent ? ['-p'] : []),
        '-f',
        sourceFormat,
        ...convertArgs(format, compression),
        source,
        target,
    ], onPercent ? { onStdout: percentsOf(onPercent) } : {});
}
/** qemu-img -p writes "    (12.34/100%)\r" to stdout; a chunk may hold several or part of one. */
function percentsOf(onPercent) {
    let pending = '';
    return (text) => {
        pending += text;
        for (const match of pending.matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)) {
            onPercent(Number(match[1]));
        }
        pending = pending.slice(pending.lastIndexOf(')') + 1);
    };
}
/** `qemu-img check`; a format without a check is reported as unsupported rather than failing. */
async function checkImage(path, format) {
    if (!CHECKABLE_FORMATS.has(format)) {
        return { supported: false, corruptions: 0, leaks: 0, checkErrors: 0 };
    }
    // Exit status 2/3 still prints the JSON: parse it when there is some, so the numbers reach the error.
    let stdout;
    try {
        ({ stdout } = await exec_runTool([QEMU_IMG, 'check', '--output=json', '-f', format, '--', path]));
    }
    catch (error) {
        const tail = error.outputTail ?? '';
        if (!tail.trim().startsWith('{')) {
            throw error;
        }
        stdout = tail;
    }
    const parsed = JSON.parse(stdout);
    return {
        supported: true,
        corruptions: parsed.corruptions ?? 0,
        leaks: parsed.leaks ?? 0,
        checkErrors: parsed['check-errors'] ?? 0,
    };
}

// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(7075);
// EXTERNAL MODULE: external "node:stream/promises"
var external_node_stream_promises_ = __webpack_require__(6466);
// EXTERNAL MODULE: ./shared/secret.ts
var shared_secret = __webpack_require__(108);
;// CONCATENATED MODULE: ./shared/proxy.ts
/**
 * Which HTTP proxy a request takes, read from the environment as curl and the openstack CLI
 * (Python requests) read it: https_proxy/HTTPS_PROXY for https URLs, http_proxy/HTTP_PROXY for http
 * URLs (the lower-case name first), and no_proxy/NO_PROXY for the hosts that go direct. Loopback is
 * not exempted by itself: a proxy for it is what the user set, and NO_PROXY=localhost,127.0.0.1 says
 * otherwise.
 */



function variable(env, name) {
    for (const candidate of [name.toLowerCase(), name.toUpperCase()]) {
        const value = env[candidate]?.trim();
        if (value) {
            return { name: candidate, value };
        }
    }
    return undefined;
}
/** The proxy for this URL, or undefined when it goes direct. */
function proxyFor(url, env = process.env) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        return undefined;
    }
    const setting = variable(env, url.protocol === 'https:' ? 'https_proxy' : 'http_proxy');
    if (!setting || bypassed(url, variable(env, 'no_proxy')?.value ?? '')) {
        return undefined;
    }
    let proxy;
    try {
        proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(setting.value) ? setting.value : `http://${setting.value}`);
    }
    catch {
        throw new errors/* ConfigurationError */.j1(`${setting.name} is not a proxy URL (http://host:port).`);
    }
    if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:') {
        throw new errors/* ConfigurationError */.j1(`${setting.name} uses ${proxy.protocol.slice(0, -1)}, but only http:// and https:// proxies are supported.`);
    }
    if (proxy.password) {
        // Proxy credentials are masked in every log like any other secret.
        void new shared_secret/* Secret */.zh(decodeURIComponent(proxy.password));
    }
    return proxy;
}
/** The proxy's address for a log line: without the credentials it may carry. */
function proxyLabel(proxy) {
    return `${proxy.protocol}//${proxy.host}`;
}
function bypassed(url, noProxy) {
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    for (const raw of noProxy.split(/[\s,]+/)) {
        const entry = raw.trim().toLowerCase();
        if (entry === '') {
            continue;
        }
        if (entry === '*') {
            return true;
        }
        const [pattern, entryPort] = splitPort(entry);
        if (entryPort !== undefined && entryPort !== port) {
            continue;
        }
        if (matchesHost(host, pattern)) {
            return true;
        }
    }
    return false;
}
/** "host:port", "[v6]:port", "v6" (no port: an IPv6 address has several colons). */
function splitPort(entry) {
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracketed) {
        return [bracketed[1], bracketed[2]];
    }
    const hostPort = /^([^:]+):(\d+)$/.exec(entry);
    return hostPort ? [hostPort[1], hostPort[2]] : [entry, undefined];
}
function matchesHost(host, pattern) {
    if (pattern.includes('/')) {
        return inCidr(host, pattern);
    }
    const suffix = pattern.replace(/^\*?\./, '');
    return host === suffix || host.endsWith(`.${suffix}`);
}
/** IPv4 CIDR blocks, as requests accepts them in no_proxy. */
function inCidr(host, cidr) {
    const [network, bitsText] = cidr.split('/');
    const bits = Number(bitsText);
    if ((0,external_node_net_.isIP)(host) !== 4 || network === undefined || (0,external_node_net_.isIP)(network) !== 4 || !(bits >= 0 && bits <= 32)) {
        return false;
    }
    const value = (address) => address.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
    const size = 2 ** (32 - bits);
    return Math.floor(value(host) / size) === Math.floor(value(network) / size);
}

;// CONCATENATED MODULE: ./shared/retry.ts
/**
 * Trying again after a failure that may pass: one schedule for the OpenStack API, SSH connections and
 * downloads. Waits grow exponentially with full jitter (many clients failing together do not come
 * back together), and a server's Retry-After, when it gives one, is waited for instead.
 */

/** Exponential backoff with full jitter: uniform in [0, min(max, base * 2^(attempt-1))]. */
function backoffDelay(attempt, policy, random = Math.random) {
    const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
    return Math.floor(random() * ceiling);
}
/** Retry-After as delta-seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
function parseRetryAfter(value, now = Date.now()) {
    if (value === undefined || value === null) {
        return undefined;
    }
    const trimmed = value.trim();
    if (/^\d+$/.test(trimmed)) {
        return Number(trimmed) * 1000;
    }
    const date = Date.parse(trimmed);
    if (Number.isNaN(date) || !/[A-Za-z]/.test(trimmed)) {
        return undefined;
    }
    return Math.max(0, date - now);
}
/** Runs attempt() until it succeeds, the verdict says stop, or the plan is used up. */
async function withRetry(plan, attempt, verdict, hooks = {}) {
    const started = Date.now();
    for (let n = 1;; n++) {
        try {
            return await attempt(n);
        }
        catch (error) {
            const judged = verdict(error, n);
            if (!judged.retry)
                throw error;
            const delay = judged.afterMs ?? backoffDelay(n, plan, plan.random);
            if (n >= Math.max(1, plan.attempts) && Date.now() - started + delay > (plan.forMs ?? 0)) {
                throw hooks.exhausted ? hooks.exhausted(error, n) : error;
            }
            hooks.onRetry?.(error, n, delay);
            await (0,external_node_timers_promises_.setTimeout)(delay);
        }
    }
}

// EXTERNAL MODULE: external "node:perf_hooks"
var external_node_perf_hooks_ = __webpack_require__(643);
;// CONCATENATED MODULE: ./shared/report/progress.ts


/** A log gets a line every few seconds; a terminal redraws one line a few times a second. */
const LOG_INTERVAL_MS = 5000;
const LIVE_INTERVAL_MS = 250;
/** In a log, also a line at each tenth of a known total, but not more than one a second. */
const LOG_MIN_INTERVAL_MS = 1000;
const MIB = 1024 * 1024;
function formatMiB(bytes) {
    return `${(bytes / MIB).toFixed(1)} MiB`;
}
/**
 * Progress of one piece of long work: bytes moved (download, upload), a percentage (qemu-img convert)
 * or time waited (SSH, cloud-init). Updates may come as often as the work likes; lines go to
 * Reporter.progress only as often as the reporter's medium wants them, and the last one says how it
 * ended. A `time` progress ticks by itself once a second until it is finished.
 */
class Progress {
    #reporter;
    #spec;
    #now;
    #started;
    #lastLine = -Infinity;
    #lastTenth = 0;
    #done = 0;
    #finished = false;
    #ticker;
    constructor(reporter, spec) {
        this.#reporter = reporter;
        this.#spec = spec;
        this.#now = spec.now ?? (() => external_node_perf_hooks_.performance.now());
        this.#started = this.#now();
        this.#lastLine = this.#started;
        if (spec.unit === 'time' && spec.now === undefined) {
            this.#ticker = setInterval(() => this.update(), 1000);
            this.#ticker.unref();
        }
    }
    /** Work done so far: bytes (unit bytes), percent (unit percent); nothing for a wait. */
    update(done = this.#done) {
        if (this.#finished)
            return;
        this.#done = done;
        const now = this.#now();
        const since = now - this.#lastLine;
        const live = this.#reporter.liveProgress;
        const fraction = this.#fraction();
        const tenth = fraction === undefined ? 0 : Math.floor(fraction * 10);
        const due = live
            ? since >= LIVE_INTERVAL_MS
            : since >= LOG_INTERVAL_MS || (tenth > this.#lastTenth && since >= LOG_MIN_INTERVAL_MS);
        if (!due)
            return;
        this.#lastLine = now;
        this.#lastTenth = tenth;
        this.#reporter.progress(this.#line(now), false);
    }
    /** Starts the count again (a retry sends the file again from its start). */
    restart() {
        this.#started = this.#now();
        this.#done = 0;
        this.#lastTenth = 0;
    }
    /** The closing line: how much in how long; `outcome` replaces "done" (e.g. "failed"). */
    finish(outcome = 'done') {
        if (this.#finished)
            return;
        this.#finished = true;
        if (this.#ticker)
            clearInterval(this.#ticker);
        const elapsed = this.#now() - this.#started;
        const { unit, label } = this.#spec;
        const moved = unit === 'bytes' && this.#done > 0
            ? ` ${formatMiB(this.#done)} in ${(0,report_reporter/* formatDuration */.a)(elapsed)} (${rate(this.#done, elapsed)})`
            : ` after ${(0,report_reporter/* formatDuration */.a)(elapsed)}`;
        this.#reporter.progress(`${label}: ${outcome},${moved}`, true);
    }
    #fraction() {
        const { unit, total } = this.#spec;
        if (unit === 'percent')
            return Math.min(1, this.#done / 100);
        if (unit === 'bytes' && total)
            return Math.min(1, this.#done / total);
        return undefined;
    }
    #line(now) {
        const elapsed = now - this.#started;
        const { unit, total, label } = this.#spec;
        const fraction = this.#fraction();
        const parts = [];
        if (unit === 'bytes') {
            parts.push(total
                ? `${(this.#done / MIB).toFixed(1)} of ${formatMiB(total)} (${Math.floor(fraction * 100)}%)`
                : formatMiB(this.#done), rate(this.#done, elapsed));
        }
        else if (unit === 'percent') {
            parts.push(`${Math.floor(this.#done)}%`);
        }
        else {
            parts.push((0,report_reporter/* formatDuration */.a)(elapsed));
        }
        if (fraction !== undefined && fraction > 0 && fraction < 1) {
            parts.push(`ETA ${(0,report_reporter/* formatDuration */.a)((elapsed / fraction) * (1 - fraction))}`);
        }
        const detail = this.#spec.detail?.();
        if (detail)
            parts.push(detail);
        return `${label}: ${parts.join(', ')}`;
    }
}
function rate(bytes, ms) {
    return ms > 0 ? `${(bytes / MIB / (ms / 1000)).toFixed(1)} MiB/s` : '-';
}
/** Runs work under a progress, closing it with "done" or, when the work throws, "failed". */
async function withProgress(reporter, spec, work) {
    const progress = new Progress(reporter, spec);
    try {
        const result = await work(progress);
        progress.finish();
        return result;
    }
    catch (error) {
        progress.finish('failed');
        throw error;
    }
}

;// CONCATENATED MODULE: ./shared/image/download.ts
/**
 * Fetching a base image over https: retried, checked against an expected SHA-256 or SHA-512, cached.
 * The action plugs in a tool-cache based Downloader, the CLI this plain one with a cache folder.
 *
 * Just over 300 lines: the digest check, the retrying fetch and the revalidating cache are one download
 * path; the cache needs the fetch's validators and the fetch the check.
 */









async function fileDigest(path, algorithm) {
    const hash = (0,external_node_crypto_.createHash)(algorithm);
    await (0,external_node_stream_promises_.pipeline)((0,external_node_fs_.createReadStream)(path), hash);
    return hash.digest('hex');
}
const sha256File = (path) => fileDigest(path, 'sha256');
/** The option that carries an expected digest, and how the digest is written for people. */
const DIGEST_NAMES = {
    sha256: { option: 'base-image-sha256', label: 'SHA-256' },
    sha512: { option: 'base-image-sha512', label: 'SHA-512' },
};
/** Throws a ConfigurationError naming both digests when a file does not have the expected one. */
async function checkDigest(path, url, expected) {
    const actual = await fileDigest(path, expected.algorithm);
    if (actual !== expected.hex.toLowerCase()) {
        const { option, label } = DIGEST_NAMES[expected.algorithm];
        throw new errors/* ConfigurationError */.j1(`The download of ${url} has ${label} ${actual}, but '${option}' expects ${expected.hex.toLowerCase()}.`);
    }
}
/** Checks a fresh download, and removes it when it is not what was expected. */
async function keepIfExpected(path, url, expected) {
    if (!expected)
        return;
    try {
        await checkDigest(path, url, expected);
    }
    catch (error) {
        (0,external_node_fs_.rmSync)(path, { force: true });
        throw error;
    }
}
/**
 * Node's own fetch knows no proxy; undici's does. Loaded only for a download through a proxy: it is a
 * fifth of the build's bundle, and most builds start from a cached or local base image.
 */
async function fetchThroughProxy(url, proxy, headers) {
    const { fetch: undiciFetch, ProxyAgent } = await __webpack_require__.e(/* import() */ 752).then(__webpack_require__.t.bind(__webpack_require__, 4371, 19));
    const response = await undiciFetch(url, {
        redirect: 'follow',
        headers,
        dispatcher: new ProxyAgent(proxy.href),
    });
    return response;
}
/**
 * GETs a URL into a file, writing to a temporary name first so an interrupted download leaves nothing.
 * With validators it is a conditional GET, and a 304 leaves the file as it is.
 */
async function fetchToFile(url, target, ifChanged = {}, reporter) {
    const headers = {};
    if (ifChanged.etag !== undefined)
        headers['if-none-match'] = ifChanged.etag;
    if (ifChanged.lastModified !== undefined)
        headers['if-modified-since'] = ifChanged.lastModified;
    let response;
    try {
        const proxy = proxyFor(new URL(url));
        response = proxy
            ? await fetchThroughProxy(url, proxy, headers)
            : await fetch(url, { redirect: 'follow', headers });
    }
    catch (error) {
        // undici says only 'fetch failed'; the reason (DNS, refused, TLS) is in its cause.
        const cause = error.cause;
        const why = cause?.message ?? cause?.code ?? error.message;
        throw new Error(`GET ${url} failed: ${why}`);
    }
    if (response.status === 304) {
        await response.body?.cancel();
        return { changed: false };
    }
    if (!response.ok || !response.body) {
        // A 429 or 503 may say when to ask again.
        throw Object.assign(new errors/* CommandError */.Qd(`GET ${url}`, response.status, '', `HTTP ${response.status} ${response.statusText}`), { retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) });
    }
    const partial = `${target}.partial`;
    const length = Number(response.headers.get('content-length') ?? NaN);
    const spec = {
        label: `Downloading ${(0,external_node_path_.basename)(new URL(url).pathname) || url}`,
        unit: 'bytes',
        ...(Number.isSafeInteger(length) && length > 0 ? { total: length } : {}),
    };
    const save = async (progress) => {
        const source = external_node_stream_.Readable.fromWeb(response.body);
        let received = 0;
        source.on('data', (chunk) => progress?.update((received += chunk.length)));
        await (0,external_node_stream_promises_.pipeline)(source, (0,external_node_fs_.createWriteStream)(partial));
        (0,external_node_fs_.renameSync)(partial, target);
    };
    try {
        await (reporter ? withProgress(reporter, spec, save) : save());
    }
    finally {
        (0,external_node_fs_.rmSync)(partial, { force: true });
    }
    const etag = response.headers.get('etag') ?? undefined;
    const lastModified = response.headers.get('last-modified') ?? undefined;
    return {
        changed: true,
        validators: { ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) },
    };
}
async function withDownloadRetries(what, reporter, fn, attempts = 4) {
    return withRetry({ attempts, baseDelayMs: 2000, maxDelayMs: 30_000 }, fn, (error) => {
        const status = error.exitCode;
        // 4xx other than 408/429 will not get better by asking again.
        const permanent = error instanceof errors/* ConfigurationError */.j1 ||
            (typeof status === 'number' && status >= 400 && status < 500 && status !== 408 && status !== 429);
        const afterMs = error.retryAfterMs;
        return permanent ? { retry: false } : { retry: true, ...(afterMs !== undefined ? { afterMs } : {}) };
    }, {
        onRetry: (error, _n, delay) => reporter.warning(`Downloading ${what} failed (${error.message}); retrying in ${(delay / 1000).toFixed(1)} s.`),
    });
}
/**
 * Downloads into cacheDir, one file per URL. A cached copy is used as it is when an expected digest pins
 * it; otherwise the server is asked with a conditional GET whether it changed (as curl -z and browsers
 * do), so a `…/latest/…` URL is not served stale forever. Offline, the cached copy is used with a warning.
 */
class CachingDownloader {
    cacheDir;
    attempts;
    constructor(cacheDir, attempts = 4) {
        this.cacheDir = cacheDir;
        this.attempts = attempts;
    }
    async download(request, reporter) {
        (0,external_node_fs_.mkdirSync)(this.cacheDir, { recursive: true });
        const key = (0,external_node_crypto_.createHash)('sha256').update(request.url).digest('hex').slice(0, 24);
        const target = (0,external_node_path_.join)(this.cacheDir, `base-${key}.img`);
        const record = (0,external_node_path_.join)(this.cacheDir, `base-${key}.json`);
        const { url, expected } = request;
        if ((0,external_node_fs_.existsSync)(target)) {
            if (expected) {
                if ((await fileDigest(target, expected.algorithm)) === expected.hex.toLowerCase()) {
                    reporter.info(`Using the cached download of ${url} (it has the expected digest): ${target}`);
                    return target;
                }
                reporter.info(`The cached copy of ${url} has another digest; downloading again.`);
            }
            else if (await this.revalidate(url, target, record, reporter)) {
                return target;
            }
            (0,external_node_fs_.rmSync)(target, { force: true });
        }
        await withDownloadRetries(url, reporter, async () => {
            const outcome = await fetchToFile(url, target, {}, reporter);
            await keepIfExpected(target, url, expected);
            if (outcome.changed)
                writeValidators(record, outcome.validators);
        }, this.attempts);
        return target;
    }
    /** Whether target is (now) the current content of url: false when it must be downloaded afresh. */
    async revalidate(url, target, record, reporter) {
        const validators = readValidators(record);
        if (validators.etag === undefined && validators.lastModified === undefined) {
            reporter.info(`The cached copy of ${url} has no ETag or Last-Modified to check it against; downloading again.`);
            return false;
        }
        let outcome;
        try {
            outcome = await fetchToFile(url, target, validators, reporter);
        }
        catch (error) {
            const cachedAt = (0,external_node_fs_.statSync)(target).mtime.toISOString();
            reporter.warning(`Could not ask whether ${url} changed (${error.message}); using the copy cached ${cachedAt}: ${target}`);
            return true;
        }
        if (outcome.changed) {
            writeValidators(record, outcome.validators);
            reporter.info(`${url} changed since it was cached; downloaded the new one: ${target}`);
        }
        else {
            reporter.info(`The cached copy of ${url} is current (the server answered 304 Not Modified): ${target}`);
        }
        return true;
    }
}
function readValidators(record) {
    try {
        const parsed = JSON.parse((0,external_node_fs_.readFileSync)(record, 'utf8'));
        return {
            ...(typeof parsed.etag === 'string' ? { etag: parsed.etag } : {}),
            ...(typeof parsed.lastModified === 'string' ? { lastModified: parsed.lastModified } : {}),
        };
    }
    catch {
        return {};
    }
}
function writeValidators(record, validators) {
    (0,external_node_fs_.writeFileSync)(record, `${JSON.stringify(validators)}\n`);
}
/** The CLI's download cache: $INDICOVM_CACHE_DIR, else $XDG_CACHE_HOME/indicovm, else ~/.cache/indicovm. */
function defaultDownloadCacheDir(env = process.env) {
    const root = env.INDICOVM_CACHE_DIR ?? (0,external_node_path_.join)(env.XDG_CACHE_HOME ?? (0,external_node_path_.join)(env.HOME ?? '/tmp', '.cache'), 'indicovm');
    return (0,external_node_path_.join)(root, 'downloads');
}

;// CONCATENATED MODULE: ./shared/image/base-image.ts





const BASE_FORMATS = new Set(['qcow2', 'raw', 'vmdk', 'vdi', 'vpc', 'vhdx']);
async function resolveBaseImage(source, expected, deps, reporter) {
    let path;
    if (/^https?:\/\//i.test(source)) {
        if (!/^https:\/\//i.test(source)) {
            throw new errors/* ConfigurationError */.j1(`Option 'base-image' ${source}: only https URLs are downloaded.`);
        }
        if (!deps.downloader) {
            throw new errors/* ConfigurationError */.j1(`Option 'base-image' is a URL, but this runner offers no downloader.`);
        }
        path = await deps.downloader.download({ url: source, ...(expected ? { expected } : {}) }, reporter);
        // Also for a copy from a cache, which the downloader may have kept under an older check.
        if (expected)
            await checkDigest(path, source, expected);
    }
    else if (source.startsWith('glance:')) {
        if (!deps.fetchGlanceImage) {
            throw new errors/* ConfigurationError */.j1(`Option 'base-image' is ${source}, but this caller offers no Glance access.`);
        }
        path = await deps.fetchGlanceImage(source.slice('glance:'.length), deps.workDir, reporter);
    }
    else {
        path = (0,external_node_path_.resolve)(deps.cwd ?? process.cwd(), source);
        if (!(0,external_node_fs_.existsSync)(path) || !(0,external_node_fs_.statSync)(path).isFile()) {
            throw new errors/* ConfigurationError */.j1(`Option 'base-image': ${path} is not a file. Give an https URL, a local image file or glance:<name-or-id>.`);
        }
    }
    const info = await (deps.imageInfo ?? imageInfo)(path);
    if (!BASE_FORMATS.has(info.format)) {
        throw new errors/* ConfigurationError */.j1(`Option 'base-image': ${source} is a ${info.format} image; use one of ${[...BASE_FORMATS].join(', ')}.`);
    }
    if (info.backingFile !== undefined) {
        throw new errors/* ConfigurationError */.j1(`Option 'base-image': ${source} has a backing file (${info.backingFile}); give a standalone image.`);
    }
    return {
        source,
        path,
        // A checked SHA-256 is the file's: no second pass over a large image.
        sha256: expected?.algorithm === 'sha256' ? expected.hex.toLowerCase() : await sha256File(path),
        format: info.format,
        virtualSize: info.virtualSize,
    };
}

;// CONCATENATED MODULE: ./shared/image/build-options.ts
/** The build's options: their type, the checks that need more than one, and paths derived from them. */


/** Checks that need more than one option, before anything is downloaded or started. */
function checkBuildImageOptions(options) {
    const base = options.baseImage;
    if (!base) {
        throw new errors/* ConfigurationError */.j1("Missing option 'base-image': give an https URL, a local path or glance:<name-or-id>.");
    }
    if (base.startsWith('glance:') && base.length === 'glance:'.length) {
        throw new errors/* ConfigurationError */.j1("Invalid option 'base-image': glance: needs an image name or ID after the colon.");
    }
    for (const [option, given] of [
        ['base-image-sha256', options.baseImageSha256],
        ['base-image-sha512', options.baseImageSha512],
    ]) {
        if (given && !/^https?:\/\//.test(base)) {
            throw new errors/* ConfigurationError */.j1(`Option '${option}' only applies when 'base-image' is a URL.`);
        }
    }
    if (options.baseImageSha256 && options.baseImageSha512) {
        throw new errors/* ConfigurationError */.j1("Options 'base-image-sha256' and 'base-image-sha512' are both set: give the one the image's publisher lists.");
    }
    if (options.recipe === 'none' && options.provisionScript.length === 0) {
        throw new errors/* ConfigurationError */.j1("With 'recipe: none', give at least one 'provision-script' (or the image would be unchanged).");
    }
    if (new Set(options.formats).size !== options.formats.length) {
        throw new errors/* ConfigurationError */.j1(`Option 'formats' lists a format twice: ${options.formats.join(', ')}.`);
    }
    if (options.formats.length === 0) {
        throw new errors/* ConfigurationError */.j1("Option 'formats' is empty: give at least one of qcow2, raw, vdi, vmdk, vpc, vhdx.");
    }
}
/** Where the build's serial console log goes (known before the build starts, for a post step). */
function serialLogPathFor(options, cwd = process.cwd()) {
    return (0,external_node_path_.join)((0,external_node_path_.resolve)(cwd, options.outputDir), `${options.imageName}.serial.log`);
}
/** The digest the base image download must have, from whichever of the two options is set. */
function expectedBaseDigest(options) {
    if (options.baseImageSha512)
        return { algorithm: 'sha512', hex: options.baseImageSha512.toLowerCase() };
    if (options.baseImageSha256)
        return { algorithm: 'sha256', hex: options.baseImageSha256.toLowerCase() };
    return undefined;
}

;// CONCATENATED MODULE: ./shared/openstack/auth-settings.ts

/** Explicit settings win field by field over the clouds.yaml entry. */
function overlaySettings(cloud, explicit) {
    const out = { ...cloud };
    for (const [key, value] of Object.entries(explicit)) {
        if (value !== undefined && value !== '') {
            out[key] = value;
        }
    }
    return out;
}
/** The Keystone default domain, which the openstack CLI also assumes when no domain is given. */
const DEFAULT_DOMAIN_ID = 'default';
function domainOf(id, name) {
    if (id) {
        return { id };
    }
    return name ? { name } : { id: DEFAULT_DOMAIN_ID };
}
/**
 * Chooses the Keystone method and checks that everything it needs is there. `source` names where the
 * settings came from, so that the error says where to add what is missing.
 */
function planAuth(settings) {
    const where = settings.cloud ? ` (cloud '${settings.cloud}' in clouds.yaml, or the options)` : '';
    const missing = (what) => {
        throw new errors/* ConfigurationError */.j1(`OpenStack authentication: ${what} is missing${where}.`);
    };
    const authUrl = settings.authUrl ?? missing('the Keystone URL (auth-url / OS_AUTH_URL)');
    if (!/^https?:\/\//.test(authUrl)) {
        throw new errors/* ConfigurationError */.j1(`auth-url must be an http:// or https:// URL of Keystone (got '${authUrl}')`);
    }
    const method = settings.authType ??
        (settings.token
            ? 'token'
            : settings.applicationCredentialSecret || settings.applicationCredentialId
                ? 'applicationCredential'
                : 'password');
    const user = () => {
        if (settings.userId) {
            return { id: settings.userId };
        }
        const name = settings.username ?? missing('the user name (os-username / OS_USERNAME)');
        return { name, domain: domainOf(settings.userDomainId, settings.userDomainName) };
    };
    const project = () => {
        if (settings.projectId) {
            return { id: settings.projectId };
        }
        const name = settings.projectName ??
            missing('the project (project-name / OS_PROJECT_NAME, or project-id / OS_PROJECT_ID)');
        return { name, domain: domainOf(settings.projectDomainId, settings.projectDomainName) };
    };
    let plan;
    switch (method) {
        case 'token':
            plan = { method, token: settings.token ?? missing('the token (token / OS_TOKEN)'), project: project() };
            break;
        case 'applicationCredential': {
            const secret = settings.applicationCredentialSecret ??
                missing('the application credential secret (application-credential-secret / OS_APPLICATION_CREDENTIAL_SECRET)');
            let credential;
            if (settings.applicationCredentialId) {
                credential = { id: settings.applicationCredentialId };
            }
            else if (settings.applicationCredentialName) {
                credential = { name: settings.applicationCredentialName, user: user() };
            }
            else {
                return missing('the application credential ID (application-credential-id / OS_APPLICATION_CREDENTIAL_ID) or its name with the user name');
            }
            plan = { method, credential, secret };
            break;
        }
        default:
            plan = {
                method: 'password',
                user: user(),
                password: settings.password ?? missing('the password (os-password / OS_PASSWORD)'),
                project: project(),
            };
    }
    const iface = (settings.interface ?? 'public').replace(/URL$/, '');
    if (iface !== 'public' && iface !== 'internal' && iface !== 'admin') {
        throw new errors/* ConfigurationError */.j1(`interface must be public, internal or admin (got '${settings.interface}')`);
    }
    return {
        authUrl,
        plan,
        regionName: settings.regionName || undefined,
        interface: iface,
        cacert: settings.cacert || undefined,
        insecure: settings.insecure ?? false,
        allowInsecureEndpoints: settings.allowInsecureEndpoints ?? false,
        ...(settings.apiTimeout ? { apiTimeoutMs: settings.apiTimeout * 1000 } : {}),
        ...(settings.apiRetryBudget ? { apiRetryBudgetMs: settings.apiRetryBudget * 1000 } : {}),
    };
}
/** The Keystone v3 request body for a plan; the only place secrets are revealed. */
function authRequestBody(plan) {
    switch (plan.method) {
        case 'password':
            return {
                auth: {
                    identity: {
                        methods: ['password'],
                        password: { user: { ...plan.user, password: plan.password.reveal() } },
                    },
                    scope: { project: plan.project },
                },
            };
        case 'token':
            return {
                auth: {
                    identity: { methods: ['token'], token: { id: plan.token.reveal() } },
                    scope: { project: plan.project },
                },
            };
        case 'applicationCredential':
            // An application credential is bound to its project; Keystone refuses an explicit scope.
            return {
                auth: {
                    identity: {
                        methods: ['application_credential'],
                        application_credential: { ...plan.credential, secret: plan.secret.reveal() },
                    },
                },
            };
    }
}
/**
 * The resolved openstack options as auth settings. Values that only come from an option's default
 * (interface: public, insecure: false) are dropped, so that a clouds.yaml entry can still set them.
 */
function authSettingsFromOptions(values, sources = {}) {
    const given = (key) => sources[key] === 'default' ? undefined : values[key];
    return {
        cloud: given('cloud'),
        authUrl: given('authUrl'),
        username: given('osUsername'),
        password: given('osPassword'),
        userDomainName: given('userDomainName'),
        projectName: given('projectName'),
        projectId: given('projectId'),
        projectDomainName: given('projectDomainName'),
        regionName: given('regionName'),
        interface: given('interface'),
        applicationCredentialId: given('applicationCredentialId'),
        applicationCredentialName: given('applicationCredentialName'),
        applicationCredentialSecret: given('applicationCredentialSecret'),
        token: given('token'),
        cacert: given('cacert'),
        insecure: given('insecure'),
        allowInsecureEndpoints: given('allowInsecureEndpoints'),
        apiTimeout: given('apiTimeout'),
        apiRetryBudget: given('apiRetryBudget'),
    };
}

// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
;// CONCATENATED MODULE: ./shared/openstack/clouds-yaml.ts






function configDirectories(context) {
    const xdg = context.env.XDG_CONFIG_HOME || (0,external_node_path_.join)(context.home ?? (0,external_node_os_.homedir)(), '.config');
    return [context.cwd, (0,external_node_path_.join)(xdg, 'openstack'), '/etc/openstack'];
}
function firstFile(context, override, base) {
    const candidates = [
        ...(override ? [override] : []),
        ...configDirectories(context).flatMap((dir) => ['yaml', 'yml', 'json'].map((ext) => (0,external_node_path_.join)(dir, `${base}.${ext}`))),
    ];
    return candidates.find((file) => (0,external_node_fs_.existsSync)(file));
}
function readClouds(file) {
    let parsed;
    try {
        parsed = (0,dist.parse)((0,external_node_fs_.readFileSync)(file, 'utf8'));
    }
    catch (error) {
        throw new errors/* ConfigurationError */.j1(`${file} is not valid YAML: ${(0,errors/* errorMessage */.gJ)(error)}`);
    }
    const clouds = parsed?.clouds;
    if (clouds === undefined) {
        return {};
    }
    if (typeof clouds !== 'object' || clouds === null || Array.isArray(clouds)) {
        throw new errors/* ConfigurationError */.j1(`${file}: 'clouds' must be a mapping of cloud names to settings`);
    }
    return clouds;
}
/** Deep merge of mappings; values of `over` win, lists and scalars are replaced whole. */
function mergeEntries(base, over) {
    const out = { ...base };
    for (const [key, value] of Object.entries(over)) {
        const current = out[key];
        out[key] = isMapping(current) && isMapping(value) ? mergeEntries(current, value) : value;
    }
    return out;
}
function isMapping(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
/** The named cloud's merged entry, and where it came from (for messages). */
function loadCloudEntry(name, context) {
    const cloudsFile = firstFile(context, context.env.OS_CLIENT_CONFIG_FILE, 'clouds');
    const secureFile = firstFile(context, context.env.OS_CLIENT_SECURE_FILE, 'secure');
    const clouds = cloudsFile ? readClouds(cloudsFile) : {};
    const secure = secureFile ? readClouds(secureFile) : {};
    const files = [cloudsFile, secureFile].filter((file) => file !== undefined);
    if (!(name in clouds) && !(name in secure)) {
        const where = files.length > 0 ? files.join(' and ') : `no clouds.yaml in ${configDirectories(context).join(', ')}`;
        const known = Object.keys(clouds);
        throw new errors/* ConfigurationError */.j1(`cloud '${name}' is not defined (looked in ${where})` +
            (known.length > 0 ? `; defined clouds: ${known.join(', ')}` : ''));
    }
    const base = clouds[name] ?? {};
    const extra = secure[name] ?? {};
    if (!isMapping(base) || !isMapping(extra)) {
        throw new errors/* ConfigurationError */.j1(`cloud '${name}' must be a mapping of settings in ${files.join(' and ')}`);
    }
    return { entry: mergeEntries(base, extra), files };
}
const AUTH_TYPES = {
    password: 'password',
    v3password: 'password',
    v3applicationcredential: 'applicationCredential',
    token: 'token',
    v3token: 'token',
};
/** A clouds.yaml entry as auth settings: the openstacksdk key names mapped to ours. */
function settingsFromCloudEntry(name, entry) {
    const auth = isMapping(entry.auth) ? entry.auth : {};
    const text = (value) => typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
    const secret = (value) => {
        const plain = text(value);
        return plain === undefined ? undefined : new shared_secret/* Secret */.zh(plain);
    };
    const seconds = (value) => {
        const number = Number(text(value));
        if (text(value) !== undefined && !(Number.isFinite(number) && number > 0)) {
            throw new errors/* ConfigurationError */.j1(`cloud '${name}': api_timeout must be a number of seconds (got '${text(value)}')`);
        }
        return text(value) === undefined ? undefined : number;
    };
    const rawType = text(entry.auth_type);
    let authType;
    if (rawType !== undefined) {
        authType = AUTH_TYPES[rawType];
        if (authType === undefined) {
            throw new errors/* ConfigurationError */.j1(`cloud '${name}': auth_type '${rawType}' is not supported; use password, v3applicationcredential or token`);
        }
    }
    const verify = entry.verify;
    return {
        authType,
        authUrl: text(auth.auth_url),
        username: text(auth.username),
        userId: text(auth.user_id),
        password: secret(auth.password),
        userDomainName: text(auth.user_domain_name) ?? text(auth.domain_name),
        userDomainId: text(auth.user_domain_id) ?? text(auth.domain_id),
        projectName: text(auth.project_name) ?? text(auth.tenant_name),
        projectId: text(auth.project_id) ?? text(auth.tenant_id),
        projectDomainName: text(auth.project_domain_name) ?? text(auth.domain_name),
        projectDomainId: text(auth.project_domain_id) ?? text(auth.domain_id),
        applicationCredentialId: text(auth.application_credential_id),
        applicationCredentialName: text(auth.application_credential_name),
        applicationCredentialSecret: secret(auth.application_credential_secret),
        token: secret(auth.token),
        regionName: text(entry.region_name),
        interface: text(entry.interface) ?? text(entry.endpoint_type),
        cacert: text(entry.cacert),
        insecure: verify === false || verify === 'false' || verify === 'False' ? true : undefined,
        apiTimeout: seconds(entry.api_timeout),
    };
}

// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
var external_node_http_default = /*#__PURE__*/__webpack_require__.n(external_node_http_);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __webpack_require__(4708);
var external_node_https_default = /*#__PURE__*/__webpack_require__.n(external_node_https_);
// EXTERNAL MODULE: external "node:tls"
var external_node_tls_ = __webpack_require__(1692);
// EXTERNAL MODULE: ./node_modules/http-proxy-agent/dist/index.js
var http_proxy_agent_dist = __webpack_require__(1970);
// EXTERNAL MODULE: ./node_modules/https-proxy-agent/dist/index.js
var https_proxy_agent_dist = __webpack_require__(3669);
;// CONCATENATED MODULE: ./shared/openstack/http.ts
/**
 * The one HTTP client every OpenStack call goes through: TLS (CA file, pinning the server name),
 * proxies, per-attempt deadlines, retries with backoff honouring Retry-After, streamed bodies and the
 * services' error messages. Its size is one reason: these interlock in one request loop (a retry must
 * rebuild the body, a deadline must know the body's size, a proxy changes the agent), and split apart
 * each piece would need the others' state.
 */












const DEFAULT_RETRY = {
    attempts: 5,
    baseDelayMs: 500,
    maxDelayMs: 20_000,
    maxRetryAfterMs: 120_000,
};
/** A request that got an answer it did not want, or none at all. */
class OpenStackHttpError extends errors/* CommandError */.Qd {
    method;
    path;
    status;
    serviceMessage;
    name = 'OpenStackHttpError';
    constructor(method, path, 
    /** undefined when no response came (connection error, timeout). */
    status, serviceMessage) {
        super(`${method} ${path}`, null, '', status === undefined ? serviceMessage : `HTTP ${status}${serviceMessage ? `: ${serviceMessage}` : ''}`);
        this.method = method;
        this.path = path;
        this.status = status;
        this.serviceMessage = serviceMessage;
    }
}
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);
const MAX_JSON_BYTES = 32 * 1024 * 1024;
const MAX_ERROR_BYTES = 64 * 1024;
const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_DEADLINE_MS = 300_000;
const DEFAULT_RETRY_BUDGET_MS = 600_000;
/** The slowest transfer rate a deadline allows for: one MiB per second. */
const DEADLINE_BYTES_PER_SECOND = 1024 * 1024;
/** One attempt took longer than its deadline: not retried, as the next would be as slow. */
class DeadlineError extends Error {
    code = 'EDEADLINE';
}
class HttpClient {
    #options;
    #retry;
    #httpAgent = new (external_node_http_default()).Agent({ keepAlive: false });
    #httpsAgent;
    #tls;
    /** One agent per proxy and scheme, made when a request first needs it. */
    #proxyAgents = new Map();
    constructor(options) {
        this.#options = options;
        this.#retry = { ...DEFAULT_RETRY, ...options.retry };
        let ca;
        if (options.cacert) {
            try {
                ca = (0,external_node_fs_.readFileSync)(options.cacert, 'utf8');
            }
            catch (error) {
                throw new errors/* ConfigurationError */.j1(`cacert: cannot read the CA bundle ${options.cacert}: ${(0,errors/* errorMessage */.gJ)(error)}`);
            }
        }
        // keepAlive is off on purpose: a pooled socket the server has closed meanwhile fails the next request
        // with ECONNRESET, and a POST cannot safely be retried after that.
        this.#tls = { ...(ca ? { ca } : {}), rejectUnauthorized: !options.insecure };
        this.#httpsAgent = new (external_node_https_default()).Agent({ keepAlive: false, ...this.#tls });
    }
    /** The direct agent, or the agent through the proxy the environment names for this URL. */
    #agentFor(url, secure) {
        const proxy = proxyFor(url);
        if (!proxy) {
            return secure ? this.#httpsAgent : this.#httpAgent;
        }
        const key = `${secure ? 'https' : 'http'} ${proxy.href}`;
        let agent = this.#proxyAgents.get(key);
        if (!agent) {
            this.#options.reporter.info(`OpenStack requests to ${url.protocol}// hosts go through the proxy ${proxyLabel(proxy)}.`);
            // https targets are tunnelled with CONNECT, so TLS (and its CA, given with each request) is end to
            // end with the endpoint.
            agent = secure
                ? new https_proxy_agent_dist.HttpsProxyAgent(proxy, { keepAlive: false })
                : new http_proxy_agent_dist.HttpProxyAgent(proxy, { keepAlive: false });
            this.#proxyAgents.set(key, agent);
        }
        return agent;
    }
    get reporter() {
        return this.#options.reporter;
    }
    async request(spec) {
        const url = new URL(spec.url);
        const path = `${url.pathname}${url.search}`;
        const label = `${spec.method} ${path}`;
        const idempotent = spec.idempotent ?? !['POST', 'PATCH'].includes(spec.method);
        const sleep = this.#options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
        const started = Date.now();
        const budget = this.#options.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS;
        for (let attempt = 1;; attempt += 1) {
            const outcome = await this.#attempt(spec, url, path);
            if (outcome.ok) {
                return outcome.response;
            }
            const failure = outcome.failure;
            if (failure.kind === 'fatal') {
                throw failure.error;
            }
            const delay = retryDelay(failure, attempt, idempotent, this.#retry);
            const elapsed = Date.now() - started;
            const gaveUp = (limit) => {
                const { error } = failure;
                return new OpenStackHttpError(error.method, error.path, error.status, `${error.serviceMessage ? `${error.serviceMessage}; ` : ''}gave up on ${serviceLabel(spec, url)} ` +
                    `after ${attempt} attempt(s) in ${(0,report_reporter/* formatDuration */.a)(elapsed)} (${limit})`);
            };
            if (delay === undefined) {
                // Only a retried request says how often it was tried; a single failure speaks for itself.
                throw attempt > 1 ? gaveUp(`${this.#retry.attempts} attempts allowed`) : failure.error;
            }
            if (elapsed + delay > budget) {
                throw gaveUp(`api-retry-budget: ${(0,report_reporter/* formatDuration */.a)(budget)}`);
            }
            const cause = failure.kind === 'status' ? String(failure.status) : failure.code;
            this.reporter.info(`Retrying ${label}: attempt ${attempt + 1} of ${this.#retry.attempts} after ${cause}`);
            await sleep(delay);
        }
    }
    async #attempt(spec, url, path) {
        let response;
        try {
            response = await this.#send(spec, url);
        }
        catch (error) {
            return { ok: false, failure: connectionFailure(error, spec.method, path) };
        }
        const status = response.statusCode ?? 0;
        const wanted = spec.expect ? spec.expect.includes(status) : status >= 200 && status < 300;
        try {
            if (!wanted) {
                // A service may echo the request (a password, in JSON-escaped form) into its error text.
                const text = (0,shared_secret/* redact */.E$)((await readBody(response, MAX_ERROR_BYTES, true)).toString('utf8'));
                const error = new OpenStackHttpError(spec.method, path, status, serviceMessage(text));
                return {
                    ok: false,
                    failure: {
                        kind: 'status',
                        status,
                        retryAfterMs: parseRetryAfter(header(response.headers, 'retry-after')),
                        error,
                    },
                };
            }
            if (spec.response === 'stream') {
                return { ok: true, response: { status, headers: response.headers, body: response } };
            }
            const raw = await readBody(response, MAX_JSON_BYTES, false);
            let body;
            if (spec.response === 'json' && raw.length > 0) {
                try {
                    body = JSON.parse(raw.toString('utf8'));
                }
                catch {
                    return {
                        ok: false,
                        failure: {
                            kind: 'fatal',
                            error: new OpenStackHttpError(spec.method, path, status, 'the response is not JSON'),
                        },
                    };
                }
            }
            return { ok: true, response: { status, headers: response.headers, body } };
        }
        catch (error) {
            // The connection broke while the answer was being read.
            return { ok: false, failure: connectionFailure(error, spec.method, path) };
        }
    }
    #send(spec, url) {
        const headers = { Accept: 'application/json', ...spec.headers };
        let payload;
        if (spec.json !== undefined) {
            payload = Buffer.from(JSON.stringify(spec.json), 'utf8');
            headers['Content-Type'] = spec.contentType ?? 'application/json';
            headers['Content-Length'] = String(payload.length);
        }
        else if (spec.body) {
            headers['Content-Type'] = spec.contentType ?? 'application/octet-stream';
            // Without a length node sends Transfer-Encoding: chunked.
            if (spec.contentLength !== undefined) {
                headers['Content-Length'] = String(spec.contentLength);
            }
        }
        const secure = url.protocol === 'https:';
        if (!secure && url.protocol !== 'http:') {
            throw new errors/* ConfigurationError */.j1(`${url.protocol} is not an OpenStack endpoint scheme; use http: or https:`);
        }
        const transport = secure ? (external_node_https_default()) : (external_node_http_default());
        const agent = this.#agentFor(url, secure);
        const timeout = spec.timeoutMs ?? this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
        const deadline = this.#options.deadlineMs ?? DEFAULT_DEADLINE_MS;
        return new Promise((resolve, reject) => {
            let settled = false;
            let sentAnything = false;
            const request = transport.request(url, {
                method: spec.method,
                headers,
                agent,
                // The name is checked against the URL's host: through a CONNECT tunnel the socket knows none.
                ...(secure
                    ? {
                        ...this.#tls,
                        checkServerIdentity: (_, cert) => (0,external_node_tls_.checkServerIdentity)(url.hostname.replace(/^\[|\]$/g, ''), cert),
                    }
                    : {}),
            });
            let response;
            const disarm = armDeadline(deadline, () => (request.socket ? request.socket.bytesRead + request.socket.bytesWritten : 0), (elapsed) => {
                const error = new DeadlineError(`${serviceLabel(spec, url)} sent no complete answer within ${(0,report_reporter/* formatDuration */.a)(elapsed)} ` +
                    `(api-timeout: ${(0,report_reporter/* formatDuration */.a)(deadline)} plus 1 s per MiB moved)`);
                request.destroy(error);
                response?.destroy(error);
            });
            request.on('close', () => {
                if (!response) {
                    disarm();
                }
            });
            const fail = (error) => {
                if (!settled) {
                    settled = true;
                    reject(error);
                }
            };
            request.setTimeout(timeout, () => {
                request.destroy(Object.assign(new Error(`no data for ${Math.round(timeout / 1000)} s`), { code: 'ETIMEDOUT' }));
            });
            request.on('socket', (socket) => socket.once('connect', () => (sentAnything = true)));
            request.on('error', (error) => {
                // ECONNREFUSED after the connection was up would wrongly make a POST look unsent.
                if (error.code === 'ECONNREFUSED' && sentAnything) {
                    error.code = 'ECONNRESET';
                }
                fail(error);
            });
            request.on('response', (answer) => {
                // The service may answer (413, 409) before the body is complete; its answer is what counts.
                settled = true;
                response = answer;
                // The deadline covers the body too, whoever reads it.
                answer.on('close', disarm);
                resolve(answer);
            });
            if (spec.body) {
                let body;
                try {
                    body = spec.body();
                }
                catch (error) {
                    request.destroy();
                    fail(new BodyError(error));
                    return;
                }
                void writeBody(body, request, (error) => {
                    fail(new BodyError(error));
                    request.destroy();
                });
            }
            else {
                request.end(payload);
            }
        });
    }
}
/**
 * Writes the body chunk by chunk, each after the socket has taken the one before, then ends the
 * request. A failed source goes to onBodyError; a failed or closed request ends the writing (its own
 * error event reports it) and closes the source.
 */
async function writeBody(body, request, onBodyError) {
    const chunks = body[Symbol.asyncIterator]();
    const closed = new Promise((resolve) => request.once('close', () => resolve(false)));
    try {
        for (;;) {
            let next;
            try {
                next = await chunks.next();
            }
            catch (error) {
                onBodyError(error);
                return;
            }
            if (next.done) {
                request.end();
                return;
            }
            const written = new Promise((resolve) => request.write(next.value, (error) => resolve(!error)));
            if (!(await Promise.race([written, closed])))
                return;
        }
    }
    finally {
        await chunks.return?.().catch(() => undefined);
    }
}
/** The request body itself failed (a file could not be read): not the network's fault, no retry. */
class BodyError extends Error {
    constructor(cause) {
        super(`reading the request body failed: ${(0,errors/* errorMessage */.gJ)(cause)}`);
    }
}
/**
 * Calls onExpired once an attempt has run for deadlineMs plus one second per MiB transferred; the
 * returned function disarms it. The timer does not keep the process alive.
 */
function armDeadline(deadlineMs, transferred, onExpired) {
    const started = Date.now();
    let timer;
    const check = () => {
        const left = started + deadlineMs + (transferred() / DEADLINE_BYTES_PER_SECOND) * 1000 - Date.now();
        if (left <= 0) {
            onExpired(Date.now() - started);
        }
        else {
            timer = setTimeout(check, left).unref();
        }
    };
    timer = setTimeout(check, deadlineMs).unref();
    return () => clearTimeout(timer);
}
function serviceLabel(spec, url) {
    return `${spec.service ? `the ${spec.service} service` : 'the service'} at ${url.host}`;
}
function connectionFailure(error, method, path) {
    if (error instanceof BodyError || error instanceof errors/* ConfigurationError */.j1) {
        return { kind: 'fatal', error };
    }
    if (error instanceof DeadlineError) {
        return { kind: 'fatal', error: new OpenStackHttpError(method, path, undefined, error.message) };
    }
    const code = error.code ?? 'ERROR';
    const wrapped = new OpenStackHttpError(method, path, undefined, `${code}: ${(0,errors/* errorMessage */.gJ)(error)}`);
    return RETRYABLE_CODES.has(code)
        ? { kind: 'connection', code, error: wrapped }
        : { kind: 'fatal', error: wrapped };
}
/** How long to wait before the next attempt, or undefined to give up. Exported for tests. */
function retryDelay(failure, attempt, idempotent, policy, random = Math.random) {
    if (attempt >= policy.attempts || failure.kind === 'fatal') {
        return undefined;
    }
    if (failure.kind === 'connection') {
        // A create that may have reached the service must not be sent again: a second image or server would
        // be made and never cleaned up. Only a refused connection proves that nothing was sent.
        if (!idempotent && failure.code !== 'ECONNREFUSED') {
            return undefined;
        }
        return backoffDelay(attempt, policy, random);
    }
    if (!(failure.status === 429 || failure.status >= 500) || !idempotent) {
        return undefined;
    }
    if (failure.retryAfterMs !== undefined) {
        return failure.retryAfterMs <= policy.maxRetryAfterMs ? failure.retryAfterMs : undefined;
    }
    return backoffDelay(attempt, policy, random);
}
/**
 * The human part of an OpenStack error body: Nova's {"badRequest": {"message"}}, Keystone's
 * {"error": {"message"}}, Glance's {"message"} (with <br /> in it), Neutron's {"NeutronError":
 * {"message"}}, or a short plain text. HTML pages are reduced to their text.
 */
function serviceMessage(body) {
    const text = body.trim();
    if (text === '') {
        return '';
    }
    let message;
    try {
        message = messageFromJson(JSON.parse(text));
    }
    catch {
        message = undefined;
    }
    if (message === undefined) {
        message = text.startsWith('<')
            ? text.replace(/<title>[^<]*<\/title>/i, ' ').replace(/<[^>]*>/g, ' ')
            : text;
    }
    return tidy(message);
}
function messageFromJson(parsed) {
    if (typeof parsed !== 'object' || parsed === null) {
        return typeof parsed === 'string' ? parsed : undefined;
    }
    const record = parsed;
    if (typeof record.message === 'string') {
        return record.message;
    }
    if (typeof record.error === 'string') {
        return record.error;
    }
    for (const value of Object.values(record)) {
        if (typeof value === 'object' && value !== null) {
            const inner = value;
            if (typeof inner.message === 'string') {
                return inner.message;
            }
        }
    }
    return undefined;
}
function tidy(message) {
    const clean = message
        .replace(/<br\s*\/?>/gi, ' ')
        .replace(/&nbsp;/g, ' ')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&')
        .replace(/\s+/g, ' ')
        .trim();
    return clean.length > 500 ? `${clean.slice(0, 500)}…` : clean;
}
function header(headers, name) {
    const value = headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
}
async function readBody(stream, limit, truncate) {
    const chunks = [];
    let size = 0;
    for await (const chunk of stream) {
        size += chunk.length;
        if (size > limit) {
            if (truncate) {
                stream.destroy();
                break;
            }
            throw Object.assign(new Error(`response larger than ${limit} bytes`), { code: 'ETOOLARGE' });
        }
        chunks.push(chunk);
    }
    return Buffer.concat(chunks);
}

;// CONCATENATED MODULE: ./shared/openstack/auth.ts
/**
 * Keystone v3 and the session every service client uses: the auth settings gathered from options,
 * clouds.yaml and OS_* variables, the token (password, application credential or token auth), the
 * catalog and its endpoint choice, and requests that log in again once when a token stops being valid.
 * Over 300 lines because the token's life and the requests that use it share one state.
 */





/** The endpoint URL of a service type for an interface and (optionally) a region. */
function selectEndpoint(catalog, type, iface, region) {
    const candidates = catalog
        .filter((entry) => entry.type === type)
        .flatMap((entry) => entry.endpoints)
        .filter((endpoint) => endpoint.interface === iface);
    const inRegion = region
        ? candidates.filter((endpoint) => endpoint.region_id === region || endpoint.region === region)
        : candidates;
    if (!region) {
        const regions = new Set(inRegion.map((endpoint) => endpoint.region_id ?? endpoint.region ?? ''));
        if (regions.size > 1) {
            throw new errors/* ConfigurationError */.j1(`the ${type} service has endpoints in several regions (${[...regions].sort().join(', ')}); set region-name / OS_REGION_NAME`);
        }
    }
    return inRegion[0]?.url.replace(/\/+$/, '');
}
/** Explicit settings, over the clouds.yaml entry when `cloud` names one. */
function gatherAuthSettings(explicit, context) {
    if (!explicit.cloud) {
        return explicit;
    }
    const { entry } = loadCloudEntry(explicit.cloud, context);
    return overlaySettings({ ...settingsFromCloudEntry(explicit.cloud, entry), cloud: explicit.cloud }, explicit);
}
class OpenStackSession {
    http;
    auth;
    #renewMarginMs;
    #state;
    #login;
    #warnedInsecure = new Set();
    constructor(auth, http, renewMarginMs) {
        this.auth = auth;
        this.http = http;
        this.#renewMarginMs = renewMarginMs;
    }
    /** Reads clouds.yaml if asked to, checks the settings and logs in. */
    static async open(settings, options) {
        const context = options.cloudsYaml ?? { env: process.env, cwd: process.cwd() };
        const auth = planAuth(gatherAuthSettings(settings, context));
        const http = new HttpClient({
            reporter: options.reporter,
            cacert: auth.cacert,
            insecure: auth.insecure,
            timeoutMs: options.timeoutMs,
            deadlineMs: auth.apiTimeoutMs,
            retryBudgetMs: auth.apiRetryBudgetMs,
            retry: options.retry,
            sleep: options.sleep,
        });
        const session = new OpenStackSession(auth, http, options.renewMarginMs ?? 5 * 60_000);
        await session.#currentToken();
        return session;
    }
    get reporter() {
        return this.http.reporter;
    }
    get userId() {
        return this.#required().userId;
    }
    get projectId() {
        return this.#required().projectId;
    }
    hasEndpoint(type) {
        return this.#find(type) !== undefined;
    }
    endpoint(type) {
        const url = this.#find(type);
        if (url === undefined) {
            const region = this.auth.regionName ? ` in region ${this.auth.regionName}` : '';
            throw new errors/* ConfigurationError */.j1(`the cloud's service catalog has no ${this.auth.interface} ${type} endpoint${region}; check interface and regionName`);
        }
        this.#checkScheme(type, url);
        return url;
    }
    /**
     * The token goes wherever the catalog points: an http endpoint under an https auth-url would carry
     * it in clear, so it is refused unless allow-insecure-endpoints says otherwise.
     */
    #checkScheme(type, url) {
        let scheme;
        try {
            scheme = new URL(url).protocol;
        }
        catch {
            throw new errors/* ConfigurationError */.j1(`the service catalog's ${this.auth.interface} ${type} endpoint '${url}' is not a URL`);
        }
        if (new URL(this.auth.authUrl).protocol !== 'https:' ||
            scheme === 'https:' ||
            this.#warnedInsecure.has(url)) {
            return;
        }
        const what = `the service catalog's ${this.auth.interface} ${type} endpoint ${url} does not use https while auth-url ${this.auth.authUrl} does`;
        if (!this.auth.allowInsecureEndpoints) {
            throw new errors/* ConfigurationError */.j1(`${what}: the token would travel in clear. Fix the catalog or interface, or set allow-insecure-endpoints: true to accept it.`);
        }
        this.#warnedInsecure.add(url);
        this.reporter.warning(`${what}; allow-insecure-endpoints is set, so the token is sent to it in clear.`);
    }
    /** A request to a service, with the token; a 401 leads to one new login and one more try. */
    async request(serviceType, spec) {
        const base = serviceType === 'identity' ? this.auth.authUrl.replace(/\/+$/, '') : this.endpoint(serviceType);
        const url = `${base}${spec.path}`;
        for (let renewed = false;; renewed = true) {
            const state = await this.#currentToken();
            try {
                return await this.http.request({
                    ...spec,
                    service: serviceType,
                    url,
                    headers: { ...spec.headers, 'X-Auth-Token': state.token.reveal() },
                });
            }
            catch (error) {
                if (renewed || !(error instanceof OpenStackHttpError) || error.status !== 401) {
                    throw error;
                }
                this.reporter.info(`${spec.method} ${new URL(url).pathname}: the token was refused (401); logging in again`);
                this.#invalidate(state);
            }
        }
    }
    /** The current token, for the rare caller that must hand it to another tool. */
    async token() {
        return (await this.#currentToken()).token;
    }
    #find(type) {
        return selectEndpoint(this.#required().catalog, type, this.auth.interface, this.auth.regionName);
    }
    #required() {
        if (!this.#state) {
            throw new Error('the OpenStack session has not logged in');
        }
        return this.#state;
    }
    #invalidate(state) {
        if (this.#state === state) {
            this.#state = undefined;
        }
    }
    async #currentToken() {
        const state = this.#state;
        if (state && state.expiresAt - Date.now() > this.#renewMarginMs) {
            return state;
        }
        // Concurrent requests share one login.
        this.#login ??= this.#logIn().finally(() => {
            this.#login = undefined;
        });
        const fresh = await this.#login;
        this.#state = fresh;
        return fresh;
    }
    async #logIn() {
        const url = `${this.auth.authUrl.replace(/\/+$/, '')}/auth/tokens`;
        let response;
        try {
            response = await this.http.request({
                method: 'POST',
                url,
                service: 'identity',
                json: authRequestBody(this.auth.plan),
                response: 'json',
                // Issuing a token changes nothing on the cloud, so a retry after any failure is harmless.
                idempotent: true,
            });
        }
        catch (error) {
            if (error instanceof OpenStackHttpError && error.status === 401) {
                throw new errors/* ConfigurationError */.j1(`Keystone at ${this.auth.authUrl} refused the ${describeMethod(this.auth)} (HTTP 401): ${error.serviceMessage}`);
            }
            throw error;
        }
        const value = header(response.headers, 'x-subject-token');
        const token = response.body?.token;
        if (!value || !token) {
            throw new OpenStackHttpError('POST', new URL(url).pathname, response.status, 'no X-Subject-Token header or token in the answer');
        }
        this.reporter.mask(value);
        const expiresAt = token.expires_at ? Date.parse(token.expires_at) : Number.POSITIVE_INFINITY;
        return {
            token: new shared_secret/* Secret */.zh(value),
            expiresAt: Number.isNaN(expiresAt) ? Number.POSITIVE_INFINITY : expiresAt,
            catalog: token.catalog ?? [],
            userId: token.user?.id ?? '',
            projectId: token.project?.id ?? token.application_credential?.project_id,
        };
    }
}
function describeMethod(auth) {
    switch (auth.plan.method) {
        case 'password':
            return 'user name and password';
        case 'applicationCredential':
            return 'application credential';
        case 'token':
            return 'token';
    }
}

;// CONCATENATED MODULE: ./shared/openstack/digests.ts




/** Node's name of a hashlib algorithm Glance may be configured with; undefined when Node lacks it. */
function nodeHashName(glanceName) {
    const name = glanceName.toLowerCase().replace(/^sha3_/, 'sha3-');
    return (0,external_node_crypto_.getHashes)().includes(name) ? name : undefined;
}
/**
 * SHA-512 and size of the bytes given so far. One digest, not three: on two cores every digest on the
 * send path is CPU the upload and the receiving service compete for.
 */
class RunningDigest {
    #sha512 = (0,external_node_crypto_.createHash)('sha512');
    #size = 0;
    #result;
    update(chunk) {
        if (this.#result)
            throw new Error('data arrived after the digests were taken');
        this.#sha512.update(chunk);
        this.#size += chunk.length;
    }
    get size() {
        return this.#size;
    }
    /** The digests once taken; undefined before that. */
    get digests() {
        return this.#result;
    }
    /**
     * The digests of every byte given so far, ending the hashing. A receiver (an HTTP server given a
     * Content-Length) can have every byte and answer before the sender has seen its source's end, so
     * the sender compares the size instead of waiting for an end that may never come.
     */
    takeDigests() {
        this.#result ??= { size: this.#size, sha512: this.#sha512.digest('hex') };
        return this.#result;
    }
}
/**
 * A pass-through stream that hashes what flows through it (a download), so an image is read a single
 * time however it is used and memory stays flat.
 */
class DigestStream extends external_node_stream_.Transform {
    #digest = new RunningDigest();
    _transform(chunk, _encoding, callback) {
        try {
            this.#digest.update(chunk);
        }
        catch (error) {
            callback(error);
            return;
        }
        callback(null, chunk);
    }
    _flush(callback) {
        this.takeDigests();
        callback();
    }
    /** The digests once the whole stream has passed; undefined before that (or after an abort). */
    get digests() {
        return this.#digest.digests;
    }
    /** RunningDigest.takeDigests: what has passed so far. */
    takeDigests() {
        return this.#digest.takeDigests();
    }
}
const CHUNK_BYTES = 1024 * 1024;
/**
 * A file's bytes through one reused 1 MiB buffer, each chunk given to digest as it is read (an
 * upload). A chunk is valid only until the next one is asked for, so the consumer must be done with
 * it by then (http.ts writes a chunk and waits until the socket has taken it). Compared with a read
 * stream piped into the request this allocates nothing per chunk: the peak RSS stays near Node's own,
 * and 16 times fewer, larger writes cost less CPU.
 */
async function* hashedFileChunks(path, digest) {
    const handle = await (0,promises_.open)(path, 'r');
    try {
        const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
        for (;;) {
            const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, null);
            if (bytesRead === 0)
                return;
            const chunk = buffer.subarray(0, bytesRead);
            digest.update(chunk);
            yield chunk;
        }
    }
    finally {
        await handle.close();
    }
}
/** Hashes a file with the given algorithms (Glance's names) in one read. */
async function hashFile(path, glanceNames) {
    const hashes = glanceNames.map((name) => [name, (0,external_node_crypto_.createHash)(nodeHashName(name) ?? name)]);
    for await (const chunk of (0,external_node_fs_.createReadStream)(path)) {
        for (const [, hash] of hashes)
            hash.update(chunk);
    }
    return Object.fromEntries(hashes.map(([name, hash]) => [name, hash.digest('hex')]));
}
/** The digest of the algorithm Glance names (os_hash_algo, or md5 for `checksum`), if it was taken. */
function digestFor(digests, algorithm) {
    const name = algorithm?.toLowerCase();
    return name === 'sha512' ? digests.sha512 : name === undefined ? undefined : digests.more?.[name];
}

;// CONCATENATED MODULE: ./shared/openstack/ids.ts
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
function isUuid(value) {
    return UUID.test(value);
}

;// CONCATENATED MODULE: ./shared/openstack/glance.ts
/**
 * Glance v2: images by name or ID, create, upload (direct or staged and imported), wait for active,
 * download, delete, and the check that Glance holds exactly the bytes sent. Over 300 lines because it is
 * the whole of one service's API as this project uses it; the digest checks at the end are pure
 * functions kept beside the client whose answers they read.
 */










/** Keys Glance owns; a custom property with one of these names would change the image itself. */
const RESERVED = new Set([
    'id',
    'name',
    'status',
    'visibility',
    'protected',
    'os_hidden',
    'checksum',
    'os_hash_algo',
    'os_hash_value',
    'owner',
    'size',
    'virtual_size',
    'created_at',
    'updated_at',
    'file',
    'schema',
    'self',
    'direct_url',
    'locations',
    'tags',
    'disk_format',
    'container_format',
    'min_disk',
    'min_ram',
    'stores',
]);
const FAILED_STATES = new Set(['killed', 'deactivated', 'deleted', 'pending_delete']);
/** Statuses of a direct upload refused by policy or configuration, where staging may still work. */
const UPLOAD_REFUSED = new Set([403, 405, 415]);
class Glance {
    #session;
    constructor(session) {
        this.#session = session;
    }
    /** The API root: some catalogs list Glance with its version, most without. */
    #path(path) {
        const base = this.#session.endpoint('image');
        return /\/v2$/.test(base) ? path.replace(/^\/v2/, '') : path;
    }
    async #json(method, path, json) {
        const response = await this.#session.request('image', {
            method,
            path: this.#path(path),
            json,
            response: 'json',
        });
        return response.body;
    }
    async create(spec) {
        for (const key of Object.keys(spec.properties ?? {})) {
            if (RESERVED.has(key)) {
                throw new errors/* ConfigurationError */.j1(`image property '${key}' is set by Glance itself; use the matching option instead`);
            }
        }
        const body = {
            ...spec.properties,
            name: spec.name,
            disk_format: spec.diskFormat,
            container_format: spec.containerFormat ?? 'bare',
            visibility: spec.visibility ?? 'private',
            min_disk: spec.minDisk ?? 0,
            min_ram: spec.minRam ?? 0,
            tags: [...(spec.tags ?? [])],
        };
        const response = await this.#session.request('image', {
            method: 'POST',
            path: this.#path('/v2/images'),
            json: body,
            response: 'json',
        });
        return {
            image: response.body,
            importMethods: splitMethods(header(response.headers, 'openstack-image-import-methods')),
        };
    }
    async get(id) {
        return this.#json('GET', `/v2/images/${encodeURIComponent(id)}`);
    }
    /** The image, or undefined when Glance answers 404. */
    async find(id) {
        try {
            return await this.get(id);
        }
        catch (error) {
            if (error instanceof OpenStackHttpError && error.status === 404) {
                return undefined;
            }
            throw error;
        }
    }
    /** Every page of a listing, following Glance's `next` links. */
    async list(query = {}) {
        const images = [];
        let path = `/v2/images?${new URLSearchParams({ limit: '200', ...query }).toString()}`;
        while (path) {
            const page = await this.#json('GET', path);
            images.push(...page.images);
            path = page.next;
        }
        return images;
    }
    /** An image by ID or exact name; a name must be unambiguous. */
    async resolve(nameOrId) {
        if (isUuid(nameOrId)) {
            const image = await this.find(nameOrId);
            if (image) {
                return image;
            }
        }
        const named = await this.list({ name: nameOrId });
        if (named.length === 1) {
            return named[0];
        }
        if (named.length === 0) {
            throw new errors/* ConfigurationError */.j1(`image '${nameOrId}' was not found in Glance (by name or ID)`);
        }
        throw new errors/* ConfigurationError */.j1(`image name '${nameOrId}' is ambiguous: ${named.length} images have it (${named.map((image) => image.id).join(', ')}); use an ID`);
    }
    /** Images whose name starts with prefix, oldest first: the candidates of a keep-N rotation. */
    async listByPrefix(prefix) {
        const all = await this.list({ sort: 'created_at:asc' });
        return sortByCreation(all.filter((image) => (image.name ?? '').startsWith(prefix)));
    }
    /** An active image with exactly these bytes (Glance's os_hash_value), to reuse instead of uploading. */
    async findByHash(digests) {
        const candidates = await this.list({ os_hash_value: digests.sha512, status: 'active' });
        return candidates.find((image) => image.status === 'active' && matches(image, digests).length === 0);
    }
    async delete(id) {
        await this.#session.request('image', {
            method: 'DELETE',
            path: this.#path(`/v2/images/${encodeURIComponent(id)}`),
            response: 'none',
        });
    }
    /** Deletes and tolerates an image that is already gone. */
    async deleteIfExists(id) {
        try {
            await this.delete(id);
            return true;
        }
        catch (error) {
            if (error instanceof OpenStackHttpError && error.status === 404) {
                return false;
            }
            throw error;
        }
    }
    async importMethods() {
        const info = await this.#json('GET', '/v2/info/import');
        return info['import-methods']?.value ?? [];
    }
    /**
     * Sends a file's bytes to a queued image and hashes them in the same pass. `direct` is PUT /file;
     * `glance-direct` is PUT /stage then POST /import; `auto` tries direct and stages when the cloud
     * refuses direct uploads. Returns the digests of what was sent and the way it went.
     */
    async upload(image, file, options = {}) {
        const method = options.importMethod ?? 'auto';
        if (method === 'glance-direct') {
            return { digests: await this.#stageAndImport(image.id, file, options), method };
        }
        try {
            return { digests: await this.#send('file', image.id, file, options), method: 'direct' };
        }
        catch (error) {
            if (method === 'direct' ||
                !(error instanceof OpenStackHttpError) ||
                !UPLOAD_REFUSED.has(error.status ?? 0)) {
                throw error;
            }
            const offered = options.importMethods?.length ? options.importMethods : await this.importMethods();
            if (!offered.includes('glance-direct')) {
                throw new errors/* CommandError */.Qd(`upload of image ${image.id}`, null, '', `Glance refused the direct upload (${error.message}) and does not offer the glance-direct import (offers: ${offered.join(', ') || 'none'})`);
            }
            this.#session.reporter.info(`Glance refused the direct upload (HTTP ${error.status}); staging and importing instead`);
            return { digests: await this.#stageAndImport(image.id, file, options), method: 'glance-direct' };
        }
    }
    async #stageAndImport(id, file, options) {
        const digests = await this.#send('stage', id, file, options);
        await this.#session.request('image', {
            method: 'POST',
            path: this.#path(`/v2/images/${encodeURIComponent(id)}/import`),
            json: { method: { name: 'glance-direct' } },
            response: 'none',
        });
        return digests;
    }
    async #send(target, id, file, options) {
        const { size } = await (0,promises_.stat)(file);
        let hasher;
        const label = `Uploading ${(0,external_node_path_.basename)(file)} to Glance${target === 'stage' ? ' (staging)' : ''}`;
        await withProgress(this.#session.reporter, { label, unit: 'bytes', total: size }, async (progress) => {
            // A retry sends the file again from the start, so it is hashed and counted again from the start.
            async function* body() {
                const digest = (hasher = new RunningDigest());
                progress.restart();
                for await (const chunk of hashedFileChunks(file, digest)) {
                    yield chunk;
                    progress.update(digest.size);
                }
            }
            await this.#session.request('image', {
                method: 'PUT',
                path: this.#path(`/v2/images/${encodeURIComponent(id)}/${target}`),
                body,
                contentLength: options.chunked ? undefined : size,
                contentType: 'application/octet-stream',
                response: 'none',
            });
        });
        const digests = hasher?.takeDigests();
        if (!digests || digests.size !== size) {
            throw new errors/* CommandError */.Qd(`upload of ${file}`, null, '', `sent ${digests?.size ?? 0} of ${size} bytes`);
        }
        return digests;
    }
    /** Polls until the image is active; fails at once on killed/deactivated or a failed import. */
    async waitActive(id, options = {}) {
        let last;
        const onStateChange = reportStatus(this.#session.reporter, `Image ${id}`);
        return waitFor(`image ${id} to become active`, { onStateChange, ...options }, async () => {
            const image = await this.get(id);
            last = image.status;
            if (image.status === 'active') {
                return image;
            }
            if (FAILED_STATES.has(image.status)) {
                throw new errors/* CommandError */.Qd(`image ${id}`, null, '', `Glance set it to '${image.status}'`);
            }
            if (image.os_glance_failed_import) {
                throw new errors/* CommandError */.Qd(`import of image ${id}`, null, '', `failed for store(s) ${image.os_glance_failed_import}`);
            }
            return undefined;
        }, () => last);
    }
    /** Create, upload, wait for active and check that Glance holds exactly our bytes. */
    async uploadImage(spec, file, options = {}) {
        const { image, importMethods } = await this.create(spec);
        options.onCreated?.(image);
        const { digests, method } = await this.upload(image, file, { ...options, importMethods });
        const active = await this.waitActive(image.id, options);
        const checked = await digestsToCheck(active, digests, file);
        verifyDigests(active, checked);
        return { image: active, digests: checked, method };
    }
    /** Streams an image's bytes to a file and checks them against Glance's checksum and hash. */
    async download(nameOrId, file) {
        const image = await this.resolve(nameOrId);
        if (image.status !== 'active') {
            throw new errors/* ConfigurationError */.j1(`image '${nameOrId}' is ${image.status}, not active: it cannot be downloaded`);
        }
        const response = await this.#session.request('image', {
            method: 'GET',
            path: this.#path(`/v2/images/${image.id}/file`),
            headers: { Accept: 'application/octet-stream' },
            response: 'stream',
        });
        const hasher = new DigestStream();
        try {
            await (0,external_node_stream_promises_.pipeline)(response.body, hasher, (0,external_node_fs_.createWriteStream)(file, { mode: 0o600 }));
        }
        catch (error) {
            await (0,promises_.rm)(file, { force: true });
            throw new errors/* CommandError */.Qd(`download of image ${image.id}`, null, '', `the transfer broke off: ${error.message}`);
        }
        let digests = hasher.digests;
        try {
            digests = await digestsToCheck(image, digests, file);
            verifyDigests(image, digests);
        }
        catch (error) {
            await (0,promises_.rm)(file, { force: true });
            throw error;
        }
        return { image, digests };
    }
}
function splitMethods(value) {
    return (value ?? '')
        .split(',')
        .map((method) => method.trim())
        .filter((method) => method !== '');
}
function sortByCreation(images) {
    return [...images].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
}
/** Of images sorted oldest first, the ones to delete so that the newest `keep` remain (0: keep all). */
function imagesBeyondKeep(sortedOldestFirst, keep) {
    return keep <= 0 ? [] : sortedOldestFirst.slice(0, Math.max(0, sortedOldestFirst.length - keep));
}
/** What differs between Glance's record and our digests; empty when they agree. */
function matches(image, digests) {
    const problems = [];
    if (typeof image.size === 'number' && image.size !== digests.size) {
        problems.push(`size ${image.size} instead of ${digests.size}`);
    }
    const md5 = digests.more?.md5;
    if (image.checksum && md5 !== undefined && image.checksum !== md5) {
        problems.push(`MD5 checksum ${image.checksum} instead of ${md5}`);
    }
    const ours = digestFor(digests, image.os_hash_algo ?? undefined);
    if (image.os_hash_value && ours !== undefined && image.os_hash_value !== ours) {
        problems.push(`${image.os_hash_algo} ${image.os_hash_value} instead of ${ours}`);
    }
    return problems;
}
/**
 * The digests a check of this image needs that were not taken on the way: os_hash_algo when Glance is
 * configured with another one than SHA-512, MD5 when Glance reports only the legacy `checksum`.
 */
function digestsStillNeeded(image, digests) {
    const algorithm = image.os_hash_algo?.toLowerCase();
    const needed = [];
    if (image.os_hash_value &&
        algorithm &&
        digestFor(digests, algorithm) === undefined &&
        nodeHashName(algorithm)) {
        needed.push(algorithm);
    }
    const hashChecked = image.os_hash_value && (needed.length > 0 || digestFor(digests, algorithm) !== undefined);
    if (!hashChecked && image.checksum && digests.more?.md5 === undefined) {
        needed.push('md5');
    }
    return needed;
}
/** The digests with what the check of this image still needs, from one more read of the file. */
async function digestsToCheck(image, digests, file) {
    const needed = digestsStillNeeded(image, digests);
    return needed.length === 0
        ? digests
        : { ...digests, more: { ...digests.more, ...(await hashFile(file, needed)) } };
}
function verifyDigests(image, digests) {
    const fail = (reason) => {
        throw new errors/* CommandError */.Qd(`check of image ${image.id}`, null, '', reason);
    };
    const problems = matches(image, digests);
    if (problems.length > 0) {
        fail(`Glance holds different bytes: ${problems.join('; ')}`);
    }
    if (!image.checksum && !image.os_hash_value) {
        fail('Glance reports neither checksum nor os_hash_value');
    }
    const compared = (image.checksum && digests.more?.md5 !== undefined) ||
        (image.os_hash_value && digestFor(digests, image.os_hash_algo ?? undefined) !== undefined);
    if (!compared) {
        fail(`none of Glance's digests could be compared (os_hash_algo ${image.os_hash_algo ?? 'none'} is not one this Node has)`);
    }
}

;// CONCATENATED MODULE: ./shared/image/glance-base.ts





/** True when the settings name a cloud or a Keystone URL: the least any login needs. */
function hasCredentials(settings) {
    return Boolean(settings.cloud || settings.authUrl);
}
/**
 * A fetcher that logs in with the build's OpenStack options only when a glance: base image asks
 * for it, so builds from a URL or a file never need credentials. Glance.download checks the bytes
 * against the image's checksum and os_hash_value and removes the file when they differ.
 */
function glanceFetcherFromOptions(values, context = {}) {
    return async (nameOrId, dir, reporter) => {
        const settings = authSettingsFromOptions(values, context.sources);
        if (!hasCredentials(settings)) {
            throw new errors/* ConfigurationError */.j1(`Option 'base-image' glance:${nameOrId} needs OpenStack credentials: set 'cloud' (a clouds.yaml entry) ` +
                `or 'auth-url' with a user, password and project (or the OS_* variables).`);
        }
        const session = await OpenStackSession.open(settings, {
            reporter,
            ...(context.cloudsYaml ? { cloudsYaml: context.cloudsYaml } : {}),
        });
        const glance = new Glance(session);
        // The name is the user's, so the local file is named after the image's ID instead.
        const image = await glance.resolve(nameOrId);
        const file = (0,external_node_path_.join)(dir, `glance-${image.id}.img`);
        reporter.info(`Downloading Glance image ${image.name ?? ''} (${image.id}, ${image.size ?? '?'} bytes)`);
        const { digests } = await glance.download(image.id, file);
        reporter.info(`Glance image ${image.id}: ${digests.size} bytes, ${image.os_hash_value ? image.os_hash_algo : 'MD5 checksum'} verified`);
        return file;
    };
}

;// CONCATENATED MODULE: ./shared/image/convert.ts







/** An image file the build writes: removed when the build fails, kept once it is done. */
const OUTPUT_FILE_RESOURCE = 'output-file';
/**
 * Writes one standalone image per format from the build's overlay, each first as `<file>.partial` and
 * renamed when complete, then checked and hashed. Every file is in the ledger until the build is
 * done, so a failure (a full disk included) leaves no image, whole or partial, behind.
 */
async function convertImages(overlay, spec, outputDir, ledger, reporter) {
    const images = [];
    for (const format of spec.formats) {
        const file = `${spec.imageName}.${imageExtension(format)}`;
        const path = (0,external_node_path_.join)(outputDir, file);
        const partial = `${path}.partial`;
        ledger.record({ kind: OUTPUT_FILE_RESOURCE, id: partial });
        ledger.record({ kind: OUTPUT_FILE_RESOURCE, id: path });
        const started = Date.now();
        try {
            await withProgress(reporter, { label: `Converting to ${file}`, unit: 'percent' }, (progress) => convertImage(overlay, 'qcow2', partial, format, spec.compression, (p) => progress.update(p)));
        }
        catch (error) {
            (0,external_node_fs_.rmSync)(partial, { force: true });
            throw diskFullError(error, outputDir, file) ?? error;
        }
        (0,external_node_fs_.renameSync)(partial, path);
        ledger.release(OUTPUT_FILE_RESOURCE, partial);
        const check = await checkImage(path, format);
        if (check.corruptions + check.leaks + check.checkErrors > 0) {
            throw new errors/* CommandError */.Qd(`qemu-img check ${path}`, null, '', `${check.corruptions} corruption(s), ${check.leaks} leak(s), ${check.checkErrors} check error(s)`);
        }
        const size = (0,external_node_fs_.statSync)(path).size;
        const sha256 = await sha256File(path);
        images.push({
            format,
            file,
            path,
            size,
            sha256,
            check: check.supported ? 'no errors' : 'not supported by the format',
        });
        reporter.info(`${file}: ${size} bytes, SHA-256 ${sha256} (${(0,report_reporter/* formatDuration */.a)(Date.now() - started)})`);
    }
    return images;
}
/** The error to show when qemu-img ran out of space: where, how much is free, what to change. */
function diskFullError(error, outputDir, file) {
    if (!(error instanceof errors/* CommandError */.Qd) || !/No space left on device/i.test(error.message)) {
        return undefined;
    }
    const { bavail, bsize } = (0,external_node_fs_.statfsSync)(outputDir);
    const free = `${((bavail * bsize) / (1024 * 1024)).toFixed(0)} MiB`;
    return new errors/* CommandError */.Qd(`converting ${file}`, error.exitCode, error.outputTail, `the file system of output-dir ${outputDir} is full (${free} free after removing the partial image): ` +
        'give output-dir more room, or ask for fewer formats');
}

;// CONCATENATED MODULE: ./shared/image/manifest.ts
/** The build's JSON manifest and summary table: pure functions of what the build measured. */


function buildManifest(input) {
    return {
        tool: 'indicovm',
        createdAt: input.createdAt.toISOString(),
        baseImage: {
            source: input.base.source,
            sha256: input.base.sha256,
            format: input.base.format,
            virtualSize: input.base.virtualSize,
        },
        accelerator: input.accelerator,
        timingsSeconds: Object.fromEntries(Object.entries(input.timings).map(([phase, ms]) => [phase, Math.round(ms / 100) / 10])),
        settings: input.settings,
        // Paths are the builder's; the manifest travels with the files, so it names them relative to itself.
        images: input.images.map(({ path: _path, ...image }) => image),
        verify: input.verify ?? 'skipped',
    };
}
function formatBytes(bytes) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit += 1;
    }
    return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
/** The build's job summary, headed like deploy's and manage's: the task, then what it made. */
function buildSummary(input, imageName) {
    const verify = input.verify;
    return {
        heading: `indicovm build-image: ${imageName}`,
        text: `Base image ${input.base.source} (${input.base.format}, SHA-256 ${input.base.sha256}), ` +
            `accelerator ${input.accelerator}.` +
            (verify
                ? ` Verify boot: host key ${verify.hostKeyChanged ? 'new' : 'UNCHANGED'}, machine-id ` +
                    `${verify.machineIdChanged ? 'new' : 'UNCHANGED'}, build user ${verify.buildUserGone ? 'gone' : 'PRESENT'}` +
                    (verify.httpsStatus !== undefined ? `, HTTPS status ${verify.httpsStatus}` : '') +
                    '.'
                : ' Verify boot skipped.'),
        tables: [
            {
                header: ['Phase', 'Time'],
                rows: Object.entries(input.timings).map(([phase, ms]) => [phase, (0,report_reporter/* formatDuration */.a)(ms)]),
            },
            {
                header: ['Image', 'Format', 'Size', 'SHA-256', 'Check'],
                rows: input.images.map((image) => [
                    image.file,
                    image.format,
                    formatBytes(image.size),
                    image.sha256,
                    image.check,
                ]),
            },
        ],
    };
}
/** The options that shape the image, for the manifest (no secrets: those are per instance anyway). */
function manifestSettings(options) {
    return {
        imageName: options.imageName,
        diskSizeMiB: options.diskSize,
        recipe: options.recipe,
        ...(options.recipe === 'indico'
            ? {
                serverHostname: options.serverHostname,
                webServer: options.webServer,
                installIndico: options.installIndico,
                indicoVersion: options.indicoVersion,
            }
            : {}),
        provisionScripts: options.provisionScript.map((path) => (0,external_node_path_.basename)(path)),
        files: options.files.map((entry) => entry.slice(entry.indexOf(':/') + 1)),
        formats: options.formats,
        compression: options.compression,
        memoryMiB: options.memory,
        cpus: options.cpus,
    };
}

;// CONCATENATED MODULE: ./shared/image/phase-clock.ts
/** Runs each phase of the build in a log group and adds up its time (a phase may run more than once). */
class PhaseClock {
    reporter;
    timings = {};
    constructor(reporter) {
        this.reporter = reporter;
    }
    async run(name, fn) {
        const started = Date.now();
        try {
            return await this.reporter.group(name, fn);
        }
        finally {
            this.timings[name] = (this.timings[name] ?? 0) + (Date.now() - started);
        }
    }
}

;// CONCATENATED MODULE: ./shared/recipe/pem-inputs.ts



/**
 * ssl-cert, ssl-key and ssl-chain take PEM text or a path to a PEM file on the machine running
 * indicovm. renderRecipe stays pure and takes PEM text only; callers turn paths into text here first.
 */
function pemOrFile(name, value) {
    if (value.includes('-----BEGIN ')) {
        return value;
    }
    try {
        return (0,external_node_fs_.readFileSync)(value.trim(), 'utf8');
    }
    catch (error) {
        throw new errors/* ConfigurationError */.j1(`${name}: not PEM text, and not a readable file (${(0,errors/* errorMessage */.gJ)(error)}).`);
    }
}
function readPemInputs(options) {
    // Options without a default are undefined when not given, whatever Values<> says.
    return {
        ...options,
        sslCert: options.sslCert === undefined ? undefined : pemOrFile('ssl-cert', options.sslCert),
        sslChain: options.sslChain === undefined ? undefined : pemOrFile('ssl-chain', options.sslChain),
        sslKey: options.sslKey === undefined ? undefined : new shared_secret/* Secret */.zh(pemOrFile('ssl-key', options.sslKey.reveal())),
    };
}

// EXTERNAL MODULE: ./shared/host-name.ts
var host_name = __webpack_require__(4832);
;// CONCATENATED MODULE: ./shared/recipe/context.ts



/** Placeholders in the config templates for secrets the first-boot unit generates (hex only). */
const PLACEHOLDER = {
    secretKey: '@INDICOVM_SECRET_KEY@',
    dbPassword: '@INDICOVM_DB_PASSWORD@',
    redisPassword: '@INDICOVM_REDIS_PASSWORD@',
};
/** Fixed places on the VM that the recipe, the first-boot unit, the sealer and `manage` agree on. */
const PATHS = {
    stateDir: '/var/lib/indicovm',
    stamp: '/var/lib/indicovm/firstboot.done',
    /** `NAME sha256` of each generated secret the last regeneration replaced (hashes of dead secrets, 0600). */
    replacedSecrets: '/var/lib/indicovm/replaced-secrets.sha256',
    configDir: '/etc/indicovm',
    templateDir: '/etc/indicovm/templates',
    hostEnv: '/etc/indicovm/host.env',
    secretsEnv: '/etc/indicovm/secrets.env',
    firstbootScript: '/usr/local/sbin/indicovm-firstboot',
    firstbootUnit: '/etc/systemd/system/indicovm-firstboot.service',
    uwsgiIni: '/etc/uwsgi-indico.ini',
    redisDropIn: '/etc/redis/indico.conf',
    unitDir: '/etc/systemd/system',
};
const UNITS = {
    uwsgi: 'indico-uwsgi.service',
    celery: 'indico-celery.service',
    celeryBeat: 'indico-celery-beat.service',
    firstboot: 'indicovm-firstboot.service',
};
/** Characters a path may have when it is written unquoted into nginx, Apache, uWSGI, systemd and SELinux files. */
const CONFIG_SAFE_PATH = /^\/[A-Za-z0-9._/-]*$/;
function safePath(name, value) {
    const trimmed = value.length > 1 ? value.replace(/\/+$/, '') : value;
    if (!CONFIG_SAFE_PATH.test(trimmed) || trimmed === '/') {
        throw new errors/* ConfigurationError */.j1(`${name} ${JSON.stringify(value)} must be an absolute path of letters, digits, '.', '_', '-' and '/' (not /): it is written into web server, uWSGI, systemd and SELinux files.`);
    }
    return trimmed;
}
function isPem(text, label) {
    return new RegExp(`-----BEGIN ${label.source}-----[\\s\\S]+-----END ${label.source}-----`).test(text);
}
function pemText(text) {
    return text.replace(/\r\n/g, '\n').trim() + '\n';
}
function recipeContext(options) {
    const installDir = safePath('install-dir', options.installDir);
    const sslDir = safePath('ssl-dir', options.sslDir);
    if (options.pipFindLinks !== undefined) {
        safePath('pip-find-links', options.pipFindLinks);
        if (options.pythonWheelhouse !== undefined) {
            throw new errors/* ConfigurationError */.j1('Give python-wheelhouse or pip-find-links, not both (pip finds the wheels in one folder).');
        }
    }
    if (options.httpPort === options.httpsPort) {
        throw new errors/* ConfigurationError */.j1(`http-port and https-port must differ (both are ${options.httpPort}).`);
    }
    const host = (0,host_name/* bareHost */.n0)(options.serverHostname);
    const baseUrl = (0,host_name/* baseUrlFor */.aU)(host, options.httpsPort);
    let givenCert;
    if (options.sslCert !== undefined || options.sslKey !== undefined) {
        if (options.sslCert === undefined || options.sslKey === undefined) {
            throw new errors/* ConfigurationError */.j1('ssl-cert and ssl-key must be given together (or neither, for a self-signed certificate).');
        }
        if (!isPem(options.sslCert, /CERTIFICATE/)) {
            throw new errors/* ConfigurationError */.j1('ssl-cert must be a PEM certificate (-----BEGIN CERTIFICATE-----).');
        }
        if (options.sslChain !== undefined &&
            options.sslChain.trim() !== '' &&
            !isPem(options.sslChain, /CERTIFICATE/)) {
            throw new errors/* ConfigurationError */.j1('ssl-chain must be PEM certificates (-----BEGIN CERTIFICATE-----).');
        }
        if (!isPem(options.sslKey.reveal(), /[A-Z ]*PRIVATE KEY/)) {
            throw new errors/* ConfigurationError */.j1('ssl-key must be a PEM private key (-----BEGIN … PRIVATE KEY-----).');
        }
        const chain = options.sslChain?.trim() ? pemText(options.sslChain) : '';
        givenCert = { cert: pemText(options.sslCert) + chain, key: new shared_secret/* Secret */.zh(pemText(options.sslKey.reveal())) };
    }
    // An address literal makes no mail domain; the defaults fall back to localhost then.
    const mailDomain = /^[0-9.]+$/.test(host) || host.includes(':') ? 'localhost' : host;
    const given = (secret) => secret !== undefined && secret.length > 0 ? secret : undefined;
    return {
        options,
        host,
        urlHost: (0,host_name/* urlHost */.cz)(host),
        baseUrl,
        installDir,
        venv: `${installDir}/.venv`,
        sslDir,
        certPath: `${sslDir}/indico.crt`,
        keyPath: `${sslDir}/indico.key`,
        dhParamPath: `${sslDir}/ffdhe2048`,
        givenCert,
        secretKey: given(options.secretKey),
        dbPassword: given(options.dbPassword),
        redisPassword: given(options.redisPassword),
        supportEmail: options.supportEmail ?? `root@${mailDomain}`,
        noReplyEmail: options.noReplyEmail ?? `noreply@${mailDomain}`,
    };
}

;// CONCATENATED MODULE: ./shared/recipe/escape.ts
/**
 * Escaping for each language a value lands in. Every value that reaches a config file or a command
 * either passed an option kind that limits its characters (host names, ports, paths) or goes through
 * one of these, so passwords with quotes, backslashes, `$`, `@`, `:`, `/` or newlines arrive intact.
 */
/** A Python 3 string literal (indico.conf is Python): single-quoted, control characters as escapes. */
function pythonString(value) {
    let out = "'";
    for (const ch of value) {
        const code = ch.codePointAt(0);
        if (ch === '\\')
            out += '\\\\';
        else if (ch === "'")
            out += "\\'";
        else if (ch === '\n')
            out += '\\n';
        else if (ch === '\r')
            out += '\\r';
        else if (ch === '\t')
            out += '\\t';
        else if (code < 0x20 || code === 0x7f)
            out += `\\x${code.toString(16).padStart(2, '0')}`;
        else if (code === 0x2028 || code === 0x2029 || code === 0x85)
            out += `\\u${code.toString(16).padStart(4, '0')}`;
        else
            out += ch;
    }
    return out + "'";
}
// Percent-encoding for URL userinfo, stricter than encodeURIComponent, so SQLAlchemy and redis-py (which
// both unquote) read it back exactly; the secret registry masks the same form.

/** A double-quoted redis.conf argument (sdssplitargs rules: \\, \", \n, \r, \t and \xHH). */
function redisString(value) {
    let out = '"';
    for (const byte of new TextEncoder().encode(value)) {
        const ch = String.fromCharCode(byte);
        if (ch === '\\' || ch === '"')
            out += `\\${ch}`;
        else if (ch === '\n')
            out += '\\n';
        else if (ch === '\r')
            out += '\\r';
        else if (ch === '\t')
            out += '\\t';
        else if (byte < 0x20 || byte >= 0x7f)
            out += `\\x${byte.toString(16).padStart(2, '0')}`;
        else
            out += ch;
    }
    return out + '"';
}
/** A SQL string literal under standard_conforming_strings (the default since PostgreSQL 9.1). */
function sqlString(value) {
    return `'${value.replaceAll("'", "''")}'`;
}
/** A PostgreSQL identifier; the option kinds already limit these to [a-z0-9_]. */
function sqlIdentifier(value) {
    return `"${value.replaceAll('"', '""')}"`;
}
/** An extended regular expression that matches the literal text (SELinux file contexts). */
function regexLiteral(value) {
    return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

;// CONCATENATED MODULE: ./shared/recipe/firstboot.ts



/**
 * The per-instance secrets script, run by indicovm-firstboot.service on the first boot of every
 * instance (the sealer deletes the stamp) and once at the end of provisioning.
 *   regenerate  new Redis password, SECRET_KEY, PostgreSQL password and self-signed certificate
 *               (only those not given as options), then apply and write the stamp
 *   apply       re-render the live configs from the templates and the stored secrets (a second
 *               provisioning run); generates only what is missing
 * Live files are rewritten only when their content differs, and only running services are restarted,
 * so at boot (ordered before the services) nothing is restarted and a repeated apply changes nothing.
 */
function firstbootScript(ctx) {
    const o = ctx.options;
    // Only what no option gave is generated, and only that is ever replaced.
    const generated = [
        ctx.redisPassword === undefined ? 'REDIS_PASSWORD' : undefined,
        ctx.secretKey === undefined ? 'SECRET_KEY' : undefined,
        ctx.dbPassword === undefined ? 'DB_PASSWORD' : undefined,
    ].filter((name) => name !== undefined);
    const variables = variableLines([
        ['HOST_ENV', PATHS.hostEnv],
        ['SECRETS', PATHS.secretsEnv],
        ['TEMPLATES', PATHS.templateDir],
        ['STAMP', PATHS.stamp],
        ['REPLACED', PATHS.replacedSecrets],
        ['INSTALL_DIR', ctx.installDir],
        ['INDICO_USER', o.indicoUser],
        ['DB_USER', o.dbUser],
        // The role as an SQL identifier, quoted for psql already: it goes into the SQL as it is.
        ['DB_ROLE_SQL', sqlIdentifier(o.dbUser)],
        ['SERVER_NAME', ctx.host],
        ['SSL_CERT', ctx.certPath],
        ['SSL_KEY', ctx.keyPath],
        ['SELF_SIGNED', ctx.givenCert === undefined ? 'yes' : 'no'],
        ['GENERATED_SECRETS', generated.join(' ')],
        ['REDIS_PASSWORD_PLACEHOLDER', PLACEHOLDER.redisPassword],
        ['SECRET_KEY_PLACEHOLDER', PLACEHOLDER.secretKey],
        ['DB_PASSWORD_PLACEHOLDER', PLACEHOLDER.dbPassword],
        ['UWSGI_UNIT', UNITS.uwsgi],
        ['CELERY_UNIT', UNITS.celery],
        ['CELERY_BEAT_UNIT', UNITS.celeryBeat],
    ]);
    return `#!/bin/sh\n${shellFile('firstboot.sh', { variables })}`;
}

// EXTERNAL MODULE: ./shared/url-encoding.ts
var url_encoding = __webpack_require__(153);
;// CONCATENATED MODULE: ./shared/recipe/indico-config.ts


/**
 * indico.conf and the Redis drop-in as templates: a secret given as an option is written in (escaped
 * for its place), a secret left empty becomes a placeholder that the first-boot script fills with a
 * fresh hex value on each instance. Hex needs no escaping anywhere, so the script's substitution is a
 * plain sed.
 */
function inUrl(secret, placeholder) {
    return secret === undefined ? placeholder : (0,url_encoding/* urlUserInfo */.D)(secret.reveal());
}
function literal(secret, placeholder) {
    return secret === undefined ? `'${placeholder}'` : pythonString(secret.reveal());
}
function indicoConfTemplate(ctx) {
    const { options: o, installDir: d } = ctx;
    const redisAuth = `:${inUrl(ctx.redisPassword, PLACEHOLDER.redisPassword)}@`;
    const redisBase = `redis://${redisAuth}${o.redisHost.includes(':') ? `[${o.redisHost}]` : o.redisHost}:${o.redisPort}`;
    const dbUri = `postgresql://${(0,url_encoding/* urlUserInfo */.D)(o.dbUser)}:${inUrl(ctx.dbPassword, PLACEHOLDER.dbPassword)}` +
        `@127.0.0.1:5432/${o.dbName}`;
    const staticFileMethod = o.webServer === 'nginx'
        ? `(${pythonString('xaccelredirect')}, {${pythonString(d)}: ${pythonString('/.xsf/indico')}})`
        : pythonString('xsendfile');
    const py = pythonString;
    return `# Indico configuration, written by indicovm in place of \`indico setup wizard\`.
# Secrets left empty in the options are generated per instance by ${PATHS.firstbootScript}.

BASE_URL = ${py(ctx.baseUrl)}
USE_PROXY = False

SQLALCHEMY_DATABASE_URI = ${py(dbUri)}
SECRET_KEY = ${literal(ctx.secretKey, PLACEHOLDER.secretKey)}

CELERY_BROKER = ${py(`${redisBase}/0`)}
REDIS_CACHE_URL = ${py(`${redisBase}/1`)}

DEFAULT_TIMEZONE = ${py(o.timezone)}
DEFAULT_LOCALE = 'en_GB'
ENABLE_ROOMBOOKING = False

CACHE_DIR = ${py(`${d}/cache`)}
TEMP_DIR = ${py(`${d}/tmp`)}
LOG_DIR = ${py(`${d}/log`)}
STORAGE_BACKENDS = {'default': ${py(`fs:${d}/archive`)}}
ATTACHMENT_STORAGE = 'default'

SMTP_SERVER = (${py(o.smtpServer)}, ${o.smtpPort})
SMTP_USE_TLS = ${o.smtpUseTls ? 'True' : 'False'}
SMTP_LOGIN = ${py(o.smtpLogin ?? '')}
SMTP_PASSWORD = ${py(o.smtpPassword?.reveal() ?? '')}

SUPPORT_EMAIL = ${py(ctx.supportEmail)}
PUBLIC_SUPPORT_EMAIL = ${py(ctx.supportEmail)}
NO_REPLY_EMAIL = ${py(ctx.noReplyEmail)}

PLUGINS = set()

STATIC_FILE_METHOD = ${staticFileMethod}
`;
}
function redisDropInTemplate(ctx) {
    const password = ctx.redisPassword === undefined
        ? `"${PLACEHOLDER.redisPassword}"`
        : redisString(ctx.redisPassword.reveal());
    return `# Redis for Indico, written by indicovm; included last from the distribution's redis.conf.
bind 127.0.0.1
protected-mode yes
port ${ctx.options.redisPort}
requirepass ${password}
`;
}

;// CONCATENATED MODULE: ./shared/recipe/heredoc.ts
/**
 * Files embedded in the provisioning script as quoted here-documents, so one script carries
 * everything (the same text runs over SSH and from cloud-init user-data). A quoted delimiter means the
 * shell expands nothing inside: the content arrives byte for byte.
 */
function hereDocument(content) {
    const body = content.endsWith('\n') ? content : `${content}\n`;
    const lines = new Set(body.split('\n'));
    let delimiter = 'INDICOVM_EOF';
    for (let n = 1; lines.has(delimiter); n += 1) {
        delimiter = `INDICOVM_EOF_${n}`;
    }
    return { delimiter, body };
}

;// CONCATENATED MODULE: ./shared/recipe/python.ts



/**
 * Where the Python 3.12 of the Indico venv comes from, as shell text for the provisioning script:
 * the distribution's when it has one Indico 3.3 accepts (>=3.12.2,<3.13: EL 9, Ubuntu 24.04), else
 * one that uv installs under the install dir (Debian 12/13, Ubuntu 22.04; Indico's guide uses pyenv).
 * uv itself comes from pip (so the pip index options reach it); the interpreter it downloads comes
 * from UV_PYTHON_INSTALL_MIRROR when python-install-mirror is given.
 *
 * Needs INSTALL_DIR, INDICO_USER and pythonVariables set and the library's note/die; defines as_indico
 * and sets PYTHON.
 */
/** pip reads its index, extra index and find-links from the environment: one place for every pip call. */
function pipEnvironment(ctx) {
    const o = ctx.options;
    const pipEnv = { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' };
    if (o.pipIndexUrl !== undefined)
        pipEnv.PIP_INDEX_URL = o.pipIndexUrl;
    if (o.pipExtraIndexUrl !== undefined)
        pipEnv.PIP_EXTRA_INDEX_URL = o.pipExtraIndexUrl;
    const findLinks = o.pythonWheelhouse !== undefined ? WHEELHOUSE_DIR : o.pipFindLinks;
    if (findLinks !== undefined)
        pipEnv.PIP_FIND_LINKS = findLinks;
    // A wheel folder without an index is an air-gapped site: asking the default index would only hang.
    if (findLinks !== undefined && o.pipIndexUrl === undefined && o.pipExtraIndexUrl === undefined) {
        pipEnv.PIP_NO_INDEX = '1';
    }
    return assignments(pipEnv);
}
/** The preamble's variables of the Python step: the install's only when Indico is installed. */
function pythonVariables(ctx) {
    const o = ctx.options;
    const variables = [['PYTHON_VERSION', o.pythonVersion]];
    if (!o.installIndico)
        return variables;
    const requirement = `indico${/^[0-9]/.test(o.indicoVersion) ? '==' : ''}${o.indicoVersion.replace(/\s+/g, '')}`;
    variables.push(['INDICO_REQUIREMENT', requirement], ['PYTHON_INSTALL_MIRROR', o.pythonInstallMirror ?? '']);
    return variables;
}
/** The wheelhouse, as_indico with the pip options, and python-select.sh, which sets PYTHON. */
function pythonSelection(ctx) {
    const wheelhouse = ctx.options.pythonWheelhouse;
    return `${wheelhouse !== undefined ? `${WHEELHOUSE_FUNCTIONS}${wheelhouseReady(wheelhouse)}` : ''}as_indico() {
  runuser -u "$INDICO_USER" -- env HOME="$INSTALL_DIR" ${pipEnvironment(ctx)} "$@"
}
${shellFile('python-select.sh')}`;
}

;// CONCATENATED MODULE: ./shared/recipe/script-library.ts

/**
 * The shell functions every provisioning script starts with: output, distribution detection and
 * idempotent file installation. Plain POSIX sh (dash on Debian/Ubuntu, bash as sh on EL).
 */
const SUPPORTED_TEXT = 'Debian 12/13, Ubuntu 22.04/24.04, AlmaLinux 9, Rocky Linux 9';
/** Exit code for an unsupported distribution (distinct from 1, a failed step). */
const UNSUPPORTED_EXIT = 3;
/** The functions (library.sh); they read TOTAL_STEPS, INDICOVM_OS_RELEASE, SUPPORTED_TEXT and UNSUPPORTED_EXIT. */
const LIBRARY = shellFile('library.sh');

;// CONCATENATED MODULE: ./shared/recipe/web-server.ts

/**
 * The web server in front of uWSGI, as Indico's production guides configure it: an HTTP server that
 * only redirects to BASE_URL, and the HTTPS server that serves static files itself and hands the rest
 * to the uWSGI socket (with X-Accel-Redirect / X-Sendfile for files Indico sends).
 */
/** ffdhe2048 from RFC 7919, which the guides use as ssl_dhparam (public, fixed parameters). */
const FFDHE2048 = `-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz
+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a
87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7
YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi
7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD
ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==
-----END DH PARAMETERS-----
`;
const CIPHERS = 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384';
function nginxVhost(ctx) {
    const { options: o, installDir: d } = ctx;
    return `# Indico behind nginx, written by indicovm (from Indico's production guide).
server {
  listen ${o.httpPort};
  listen [::]:${o.httpPort};
  server_name ${ctx.urlHost};
  return 301 ${ctx.baseUrl}$request_uri;
}

server {
  listen       ${o.httpsPort} ssl http2;
  listen       [::]:${o.httpsPort} ssl http2;
  server_name  ${ctx.urlHost};

  ssl_certificate           ${ctx.certPath};
  ssl_certificate_key       ${ctx.keyPath};
  ssl_dhparam               ${ctx.dhParamPath};

  ssl_session_timeout       1d;
  ssl_session_cache         shared:SSL:10m;
  ssl_session_tickets       off;
  ssl_protocols             TLSv1.2 TLSv1.3;
  ssl_ciphers               ${CIPHERS};
  ssl_prefer_server_ciphers off;

  access_log            ${d}/log/nginx/access.log combined;
  error_log             ${d}/log/nginx/error.log;

  if ($host != $server_name) {
    return 301 ${ctx.baseUrl}$request_uri;
  }

  location /.xsf/indico/ {
    internal;
    alias ${d}/;
    add_header Content-Security-Policy $upstream_http_content_security_policy;
    add_header Content-Security-Policy-Report-Only $upstream_http_content_security_policy_report_only;
  }

  location ~ ^/(images|fonts)(.*)/(.+?)(__v[0-9a-f]+)?\\.([^.]+)$ {
    alias ${d}/web/static/$1$2/$3.$5;
    access_log off;
  }

  location ~ ^/(css|dist|images|fonts)/(.*)$ {
    alias ${d}/web/static/$1/$2;
    access_log off;
  }

  location /robots.txt {
    alias ${d}/web/static/robots.txt;
    access_log off;
  }

  location / {
    root /var/empty/nginx;
    include /etc/nginx/uwsgi_params;
    uwsgi_pass unix:${d}/web/uwsgi.sock;
    uwsgi_param UWSGI_SCHEME $scheme;
    uwsgi_read_timeout 15m;
    uwsgi_buffers 32 32k;
    uwsgi_busy_buffers_size 128k;
    uwsgi_hide_header X-Sendfile;
    client_max_body_size 1G;
  }
}
`;
}
/** nginx_has_http2_directive and nginx_http2_filter (nginx-http2.sh says why and how). */
const NGINX_HTTP2_SHELL = shellFile('nginx-http2.sh');
/** Apache needs `Listen` only for ports its stock configuration does not already listen on. */
function listenLines(ctx) {
    const lines = [];
    if (ctx.options.httpPort !== 80)
        lines.push(`Listen ${ctx.options.httpPort}`);
    if (ctx.options.httpsPort !== 443)
        lines.push(`Listen ${ctx.options.httpsPort} https`);
    return lines.length > 0 ? lines.join('\n') + '\n\n' : '';
}
function apacheVhost(ctx) {
    const { options: o, installDir: d } = ctx;
    return `# Indico behind Apache, written by indicovm (from Indico's production guide).
${listenLines(ctx)}<VirtualHost *:${o.httpPort}>
    ServerName ${ctx.urlHost}
    RewriteEngine On
    RewriteRule ^(.*)$ ${ctx.baseUrl}$1 [R=301,L]
</VirtualHost>

<VirtualHost *:${o.httpsPort}>
    ServerName ${ctx.urlHost}
    DocumentRoot "/var/empty/apache"
    Protocols h2 http/1.1

    SSLEngine             on
    SSLCertificateFile    ${ctx.certPath}
    SSLCertificateKeyFile ${ctx.keyPath}

    SSLProtocol           all -SSLv3 -TLSv1 -TLSv1.1
    SSLCipherSuite        ${CIPHERS}
    SSLHonorCipherOrder   off
    SSLSessionTickets     off

    XSendFile on
    XSendFilePath ${d}
    CustomLog ${d}/log/apache/access.log combined
    ErrorLog ${d}/log/apache/error.log
    LogLevel error
    ServerSignature Off

    <If "%{HTTP_HOST} != '${ctx.urlHost}' && %{HTTP_HOST} != '${ctx.urlHost}:${o.httpsPort}'">
        Redirect 301 / ${ctx.baseUrl}/
    </If>

    AliasMatch "^/(images|fonts)(.*)/(.+?)(__v[0-9a-f]+)?\\.([^.]+)$" "${d}/web/static/$1$2/$3.$5"
    AliasMatch "^/(css|dist|images|fonts)/(.*)$" "${d}/web/static/$1/$2"
    Alias /robots.txt ${d}/web/static/robots.txt

    SetEnv UWSGI_SCHEME https
    ProxyPass / unix:${d}/web/uwsgi.sock|uwsgi://localhost/

    <Directory ${d}>
        AllowOverride None
        Require all granted
    </Directory>
</VirtualHost>
`;
}

;// CONCATENATED MODULE: ./shared/recipe/script.ts








const TOTAL_STEPS = 14;
const SELINUX_MODULE = '/etc/indicovm/indicovm.cil';
/** Where the EL Apache branch loads mod_proxy_uwsgi when no file of conf.modules.d does (the EL guide's file). */
const EL_PROXY_UWSGI_CONF = '/etc/httpd/conf.modules.d/proxy_uwsgi.conf';
function octal(mode) {
    return `0${mode.toString(8)}`;
}
/** put_file with the content as a quoted here-document; `target` is a shell word when the path is decided at run time. */
function put(file, target = quote(file.path)) {
    const { delimiter, body } = hereDocument(file.content);
    return `put_file ${target} ${octal(file.mode)} root:root <<'${delimiter}'\n${body}${delimiter}\n`;
}
function script_header(ctx) {
    return `#!/bin/sh
# Indico 3.3 stack for ${ctx.baseUrl}, written by indicovm (render-script).
# Installs PostgreSQL, Redis, ${ctx.options.webServer}, uWSGI and Celery as Indico's production guides do,
# on Debian 12/13, Ubuntu 22.04/24.04 and AlmaLinux/Rocky Linux 9. Safe to run again: it only changes
# what differs. Run as root, over SSH or as cloud-init user-data.
#
#   --detect-only         print the detected distribution family and exit
#   INDICOVM_OS_RELEASE   os-release file to read (default /etc/os-release)
set -eu
umask 022
LC_ALL=C
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL PATH
INDICOVM_OS_RELEASE=\${INDICOVM_OS_RELEASE:-/etc/os-release}
TOTAL_STEPS=${TOTAL_STEPS}
`;
}
/** Every value the .sh files read, assigned once: the files take them as "$NAME", never as code. */
function settings(ctx, files) {
    const o = ctx.options;
    const variables = [
        ['WEB_SERVER', o.webServer],
        ['SERVER_NAME', ctx.host],
        ['BASE_URL', ctx.baseUrl],
        ['HTTP_PORT', String(o.httpPort)],
        ['HTTPS_PORT', String(o.httpsPort)],
        ['INSTALL_DIR', ctx.installDir],
        ['INSTALL_DIR_REGEX', regexLiteral(ctx.installDir)],
        ['VENV', ctx.venv],
        ['INDICO_USER', o.indicoUser],
        ['DB_NAME', o.dbName],
        ['DB_USER', o.dbUser],
        ['DB_NAME_LITERAL', sqlString(o.dbName)],
        ['DB_USER_LITERAL', sqlString(o.dbUser)],
        ['DB_NAME_IDENTIFIER', sqlIdentifier(o.dbName)],
        ['DB_USER_IDENTIFIER', sqlIdentifier(o.dbUser)],
        ['SSL_DIR', ctx.sslDir],
        ['SSL_CERT', ctx.certPath],
        ['SSL_KEY', ctx.keyPath],
        ['WEB_CONFIG', files.webServerConfig.path],
        ['WEB_LOG_DIR', o.webServer === 'nginx' ? 'nginx' : 'apache'],
        ['FIREWALL', o.firewall],
        ['STAMP', PATHS.stamp],
        ['CONFIG_DIR', PATHS.configDir],
        ['STATE_DIR', PATHS.stateDir],
        ['HOST_ENV', PATHS.hostEnv],
        ['REDIS_DROP_IN', PATHS.redisDropIn],
        ['FIRSTBOOT_SCRIPT', PATHS.firstbootScript],
        ['UWSGI_INI', PATHS.uwsgiIni],
        ['UNIT_DIR', PATHS.unitDir],
        ['UWSGI_UNIT', UNITS.uwsgi],
        ['CELERY_UNIT', UNITS.celery],
        ['CELERY_BEAT_UNIT', UNITS.celeryBeat],
        ['FIRSTBOOT_UNIT', UNITS.firstboot],
        ['SELINUX_MODULE', SELINUX_MODULE],
        ['EL_PROXY_UWSGI_CONF', EL_PROXY_UWSGI_CONF],
        ...pythonVariables(ctx),
        ['SUPPORTED_TEXT', SUPPORTED_TEXT],
        ['UNSUPPORTED_EXIT', String(UNSUPPORTED_EXIT)],
    ];
    return '# Settings (rendered from the indicovm options).\n' + variableLines(variables);
}
/** SQL for psql on stdin as a quoted here-document: the shell passes a given password through untouched. */
function sqlHereDocument(sql) {
    const { delimiter, body } = hereDocument(sql);
    return `as_postgres >/dev/null <<'${delimiter}'\n${body}${delimiter}\n`;
}
function postgresql(ctx) {
    const givenPassword = ctx.dbPassword === undefined
        ? `note "the password of role $DB_USER is set per instance (step 'Per-instance secrets')"\n`
        : `${sqlHereDocument(`SET password_encryption = 'scram-sha-256';\nALTER ROLE ${sqlIdentifier(ctx.options.dbUser)} PASSWORD ${sqlString(ctx.dbPassword.reveal())};\n`)}note "set the given password of role $DB_USER"\n\n`;
    return shellFile('postgresql.sh', { 'given-password': givenPassword });
}
/** The files the configuration step writes: Indico's, Redis's, uWSGI's, the units and the first boot. */
function configurationFiles(files) {
    return [
        files.indicoConfTemplate,
        files.redisTemplate,
        files.uwsgiIni,
        ...files.units,
        files.firstbootScript,
        files.firstbootUnit,
    ];
}
function configuration(files) {
    return shellFile('configuration.sh', {
        files: configurationFiles(files)
            .map((file) => put(file))
            .join(''),
    });
}
function tls(files) {
    const given = files.givenCert && files.givenKey
        ? `${put(files.givenCert)}${put(files.givenKey)}note "installed the given certificate"\n`
        : `note "self-signed certificate for $SERVER_NAME (generated per instance): $SSL_CERT"\n`;
    return shellFile('tls.sh', { files: `${put(files.dhParams)}${given}` });
}
function webServer(ctx, files) {
    const config = files.webServerConfig;
    if (ctx.options.webServer === 'nginx') {
        const vhost = hereDocument(config.content);
        return shellFile('nginx.sh', {
            'nginx-http2': NGINX_HTTP2_SHELL,
            vhost: `nginx_http2_filter "$NGINX_HTTP2" > "$vhost_tmp" <<'${vhost.delimiter}'\n${vhost.body}${vhost.delimiter}\n` +
                `put_file ${quote(config.path)} ${octal(config.mode)} root:root < "$vhost_tmp"\n`,
        });
    }
    return shellFile('apache.sh', { vhost: put(config, '"$APACHE_CONF"') });
}
function pythonAndIndico(ctx) {
    if (!ctx.options.installIndico)
        return shellFile('python-indico-skipped.sh');
    return shellFile('python-indico.sh', { 'python-selection': pythonSelection(ctx) });
}
function provisioningScript(ctx, files) {
    const installs = ctx.options.installIndico;
    return [
        script_header(ctx),
        settings(ctx, files),
        LIBRARY,
        shellFile('arguments.sh'),
        shellFile('distribution.sh'),
        shellFile('packages.sh'),
        shellFile('user-and-directories.sh'),
        postgresql(ctx),
        configuration(files),
        shellFile('secrets.sh'),
        shellFile('redis.sh'),
        tls(files),
        webServer(ctx, files),
        pythonAndIndico(ctx),
        shellFile('selinux.sh', { module: put(files.selinuxModule) }),
        shellFile('firewall.sh'),
        shellFile(installs ? 'database-schema.sh' : 'database-schema-skipped.sh'),
        shellFile('services.sh'),
    ].join('\n');
}

;// CONCATENATED MODULE: ./shared/recipe/services.ts

/**
 * uWSGI and Celery as Indico's guides run them, with two changes: the web server's user joins the
 * Indico group instead of Indico joining the web server's (one file for every distro), and each unit
 * has ConditionPathExists on its program and indico.conf, so an image built without Indico
 * (install-indico: false) boots cleanly with the units enabled and skipped.
 *
 * Each also Requires= (and is After=) the first-boot unit: when regenerating the secrets fails on a new
 * instance, Indico does not come up with the image's secrets. Once the stamp exists the first-boot
 * unit is skipped by its condition, which systemd counts as success, so later boots (and the build,
 * where the provisioning script writes the stamp before it starts these units) are unaffected.
 */
function uwsgiIni(ctx) {
    const { options: o, installDir: d } = ctx;
    return `; Indico uWSGI, written by indicovm (from Indico's production guide).
[uwsgi]
uid = ${o.indicoUser}
gid = ${o.indicoUser}
umask = 027

processes = ${o.uwsgiProcesses}
enable-threads = true
chmod-socket = 770
chown-socket = ${o.indicoUser}:${o.indicoUser}
socket = ${d}/web/uwsgi.sock
stats = ${d}/web/uwsgi-stats.sock
protocol = uwsgi

master = true
auto-procname = true
procname-prefix-spaced = indico
disable-logging = true

single-interpreter = true

env = INDICO_CONFIG=${d}/etc/indico.conf
touch-reload = ${d}/web/indico.wsgi
wsgi-file = ${d}/web/indico.wsgi
virtualenv = ${ctx.venv}

vacuum = true
buffer-size = 20480
memory-report = true
max-requests = 2500
harakiri = 900
harakiri-verbose = true
reload-on-rss = 2048
evil-reload-on-rss = 8192
`;
}
function unitHead(ctx, description, program) {
    return `[Unit]
Description=${description}
After=network.target postgresql.service redis-server.service redis.service ${UNITS.firstboot}
Wants=postgresql.service
Requires=${UNITS.firstboot}
ConditionPathExists=${program}
ConditionPathExists=${ctx.installDir}/etc/indico.conf
`;
}
function uwsgiUnit(ctx) {
    const program = `${ctx.venv}/bin/uwsgi`;
    return `${unitHead(ctx, 'Indico uWSGI', program)}
[Service]
ExecStart=${program} --ini ${PATHS.uwsgiIni}
ExecReload=/bin/kill -HUP $MAINPID
Restart=always
SyslogIdentifier=indico-uwsgi
User=${ctx.options.indicoUser}
Group=${ctx.options.indicoUser}
UMask=0027
Type=notify
NotifyAccess=all
KillMode=mixed
KillSignal=SIGQUIT
TimeoutStopSec=300

[Install]
WantedBy=multi-user.target
`;
}
function celeryUnit(ctx, description, args, identifier) {
    const program = `${ctx.venv}/bin/indico`;
    return `${unitHead(ctx, description, program)}
[Service]
ExecStart=${program} celery ${args}
Environment=INDICO_CONFIG=${ctx.installDir}/etc/indico.conf
WorkingDirectory=${ctx.installDir}
Restart=always
SyslogIdentifier=${identifier}
User=${ctx.options.indicoUser}
Group=${ctx.options.indicoUser}
UMask=0027
Type=simple
KillMode=mixed
TimeoutStopSec=300

[Install]
WantedBy=multi-user.target
`;
}
function celeryWorkerUnit(ctx) {
    return celeryUnit(ctx, 'Indico Celery worker', 'worker', 'indico-celery');
}
function celeryBeatUnit(ctx) {
    return celeryUnit(ctx, 'Indico Celery beat (periodic tasks)', `beat --schedule ${ctx.installDir}/tmp/celerybeat-schedule`, 'indico-celery-beat');
}
/** Runs before the services it feeds, once per instance: the stamp file is its guard. */
function firstbootUnit() {
    return `[Unit]
Description=indicovm: per-instance secrets (Redis, PostgreSQL, Indico SECRET_KEY, TLS certificate)
ConditionPathExists=!${PATHS.stamp}
Wants=postgresql.service
After=local-fs.target network.target postgresql.service
Before=redis-server.service redis.service ${UNITS.uwsgi} ${UNITS.celery} ${UNITS.celeryBeat} nginx.service apache2.service httpd.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${PATHS.firstbootScript} regenerate
StandardOutput=journal+console

[Install]
WantedBy=multi-user.target
`;
}

;// CONCATENATED MODULE: ./shared/recipe/render.ts






function webServerFile(ctx) {
    if (ctx.options.webServer === 'nginx') {
        return { path: '/etc/nginx/conf.d/indico.conf', mode: 0o644, content: nginxVhost(ctx) };
    }
    // Debian's path; on EL the script writes the same content to /etc/httpd/conf.d/indico.conf.
    return { path: '/etc/apache2/sites-available/indico.conf', mode: 0o644, content: apacheVhost(ctx) };
}
function secretFile(path, secret) {
    return { path, mode: 0o600, content: secret.reveal() };
}
/** From Indico's EL guide: uWSGI (unconfined_service_t) creates its socket as web-server writable, and the web server may connect to it. */
function selinuxModule() {
    return `; indicovm: the web server and the uWSGI socket (from Indico's EL guide)
(typetransition unconfined_service_t usr_t sock_file "uwsgi.sock" httpd_sys_rw_content_t)
(allow httpd_t unconfined_service_t (unix_stream_socket (connectto)))
`;
}
function recipeFiles(ctx) {
    const unit = (name, content) => ({
        path: `${PATHS.unitDir}/${name}`,
        mode: 0o644,
        content,
    });
    return {
        webServerConfig: webServerFile(ctx),
        dhParams: { path: ctx.dhParamPath, mode: 0o644, content: FFDHE2048 },
        givenCert: ctx.givenCert && { path: ctx.certPath, mode: 0o644, content: ctx.givenCert.cert },
        givenKey: ctx.givenCert && secretFile(ctx.keyPath, ctx.givenCert.key),
        indicoConfTemplate: {
            path: `${PATHS.templateDir}/indico.conf`,
            mode: 0o600,
            content: indicoConfTemplate(ctx),
        },
        redisTemplate: {
            path: `${PATHS.templateDir}/redis.conf`,
            mode: 0o600,
            content: redisDropInTemplate(ctx),
        },
        uwsgiIni: { path: PATHS.uwsgiIni, mode: 0o644, content: uwsgiIni(ctx) },
        units: [
            unit(UNITS.uwsgi, uwsgiUnit(ctx)),
            unit(UNITS.celery, celeryWorkerUnit(ctx)),
            unit(UNITS.celeryBeat, celeryBeatUnit(ctx)),
        ],
        firstbootScript: { path: PATHS.firstbootScript, mode: 0o755, content: firstbootScript(ctx) },
        firstbootUnit: { path: PATHS.firstbootUnit, mode: 0o644, content: firstbootUnit() },
        selinuxModule: {
            path: SELINUX_MODULE,
            mode: 0o644,
            content: selinuxModule(),
        },
    };
}
function renderRecipe(options) {
    const ctx = recipeContext(options);
    const files = recipeFiles(ctx);
    const list = [
        files.webServerConfig,
        files.dhParams,
        ...(files.givenCert ? [files.givenCert] : []),
        ...(files.givenKey ? [files.givenKey] : []),
        ...configurationFiles(files),
        files.selinuxModule,
    ];
    return { script: provisioningScript(ctx, files), files: list };
}

;// CONCATENATED MODULE: ./shared/cloudinit/cloud-config.ts



const CLOUD_CONFIG_HEADER = '#cloud-config\n';
const OCTAL_PERMISSIONS = /^0?[0-7]{3,4}$/;
const OWNER = /^[a-z_][a-z0-9_-]*[$]?(:[a-z_][a-z0-9_-]*[$]?)?$/;
/** The document cloud-init reads: the header line, then YAML that PyYAML (YAML 1.1) reads back unchanged. */
function renderCloudConfig(config) {
    checkWriteFiles(config.write_files ?? []);
    // YAML 1.1 output quotes the strings PyYAML would otherwise turn into booleans, octals or dates (on, 0600).
    return CLOUD_CONFIG_HEADER + dist.stringify(revealed(config), { version: '1.1', lineWidth: 0 });
}
/** Plain YAML for NoCloud's meta-data and network-config files, with the same YAML 1.1 care. */
function renderYaml(value) {
    return dist.stringify(revealed(value), { version: '1.1', lineWidth: 0 });
}
/**
 * Reads extra cloud-config given by the user (as YAML text, with or without the `#cloud-config` line).
 * `source` names where it came from, for the error message.
 */
function parseCloudConfig(text, source) {
    const body = text.startsWith('#cloud-config') ? text.slice(text.indexOf('\n') + 1) : text;
    let value;
    try {
        value = dist.parse(body, { version: '1.1' });
    }
    catch (error) {
        throw new errors/* ConfigurationError */.j1(`Invalid cloud-config in ${source}: not valid YAML (${error.message.split('\n')[0]}).`);
    }
    if (value === null || value === undefined)
        return {};
    if (!isPlainObject(value)) {
        throw new errors/* ConfigurationError */.j1(`Invalid cloud-config in ${source}: expected a mapping of cloud-config keys.`);
    }
    return value;
}
/**
 * Adds `extra` to `base`: mappings merge key by key, lists are appended (so extra users, files and commands
 * come after ours), and other values from `extra` win. Keys in `owned` carry what indicovm relies on (the
 * pinned host key, no password login): `extra` may repeat their value but not change it.
 */
function mergeCloudConfig(base, extra, owned = [], source = 'the extra cloud-config') {
    for (const key of owned) {
        if (key in extra && key in base && !sameValue(base[key], extra[key])) {
            throw new errors/* ConfigurationError */.j1(`${capitalize(source)} may not set '${key}': indicovm sets it itself, and changing it would break the ` +
                `build's SSH login or host-key pinning.`);
        }
    }
    return mergeValues(base, extra);
}
function mergeValues(base, extra) {
    if (Array.isArray(base) && Array.isArray(extra))
        return [...base, ...extra];
    if (isPlainObject(base) && isPlainObject(extra)) {
        const merged = { ...base };
        for (const [key, value] of Object.entries(extra)) {
            merged[key] = key in base ? mergeValues(base[key], value) : value;
        }
        return merged;
    }
    return extra;
}
function checkWriteFiles(files) {
    for (const file of files) {
        if (!file.path.startsWith('/')) {
            throw new errors/* ConfigurationError */.j1(`Invalid write_files path ${JSON.stringify(file.path)}: use an absolute path.`);
        }
        if (!OCTAL_PERMISSIONS.test(file.permissions)) {
            throw new errors/* ConfigurationError */.j1(`Invalid permissions ${JSON.stringify(file.permissions)} for ${file.path}: use octal text such as '0644'.`);
        }
        if (!OWNER.test(file.owner)) {
            throw new errors/* ConfigurationError */.j1(`Invalid owner ${JSON.stringify(file.owner)} for ${file.path}: use 'user' or 'user:group'.`);
        }
        const content = (0,shared_secret/* isSecret */.$f)(file.content) ? file.content.reveal() : file.content;
        const mode = Number.parseInt(file.permissions, 8);
        if (looksLikePrivateKey(content, file.path) && (mode & 0o077) !== 0) {
            throw new errors/* ConfigurationError */.j1(`Refusing permissions ${file.permissions} for the private key ${file.path}: use '0600' or '0400' so ` +
                `that only its owner can read it.`);
        }
    }
}
function looksLikePrivateKey(content, path) {
    return (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(content) || /\.key$|\/ssh_host_[a-z0-9]+_key$/.test(path));
}
/** A deep copy with every Secret replaced by its value, ready for the YAML writer. */
function revealed(value) {
    if ((0,shared_secret/* isSecret */.$f)(value))
        return value.reveal();
    if (Array.isArray(value))
        return value.map(revealed);
    if (isPlainObject(value)) {
        return Object.fromEntries(Object.entries(value)
            .filter(([, item]) => item !== undefined)
            .map(([key, item]) => [key, revealed(item)]));
    }
    return value;
}
function sameValue(a, b) {
    return JSON.stringify(revealed(a)) === JSON.stringify(revealed(b));
}
function isPlainObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value) && !(0,shared_secret/* isSecret */.$f)(value);
}
function capitalize(text) {
    return text.charAt(0).toUpperCase() + text.slice(1);
}
/** write_files entries from files described with a numeric mode (as the recipe renderer returns them). */
function toWriteFiles(files) {
    return files.map((file) => ({
        path: file.path,
        content: file.content,
        owner: file.owner ?? 'root:root',
        permissions: `0${(file.mode & 0o7777).toString(8).padStart(3, '0')}`,
    }));
}

;// CONCATENATED MODULE: ./shared/cloudinit/iso9660.ts
/*
 * Over 300 lines: an ISO 9660 image with Rock Ridge and Joliet is one byte layout; the volume
 * descriptors, path tables and directory records refer to each other's sectors, so they are written
 * by one function from one plan.
 */

const SECTOR = 2048;
const SYSTEM_AREA_SECTORS = 16;
/**
 * genisoimage pads every image by 150 sectors so that old drives and kernels that read ahead past the last
 * file do not hit an I/O error; a seed is tiny, so the same 300 KiB is a cheap insurance.
 */
const TRAILING_PAD_SECTORS = 150;
const FILE_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const VOLUME_ID = /^[A-Za-z0-9_-]{1,16}$/;
const APPLICATION_ID = 'INDICOVM';
const SYSTEM_ID = 'LINUX';
const FLAG_DIRECTORY = 0x02;
const MODE_DIRECTORY = 0o040555;
const MODE_FILE = 0o100444;
const RRIP_ID = 'RRIP_1991A';
const RRIP_DESCRIPTOR = 'THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS';
const RRIP_SOURCE = 'PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.';
function buildIso(options) {
    const { volumeId, files } = options;
    const date = options.date ?? new Date();
    if (!VOLUME_ID.test(volumeId)) {
        throw new errors/* ConfigurationError */.j1(`Invalid ISO volume id ${JSON.stringify(volumeId)}: use 1 to 16 characters from A-Z, a-z, 0-9, _ and -.`);
    }
    checkFileNames(files);
    const isoNames = levelOneNames(files.map((file) => file.name));
    const primaryOrder = files
        .map((file, index) => ({ file, isoName: isoNames[index] }))
        .sort((a, b) => compareIsoNames(a.isoName, b.isoName));
    const jolietOrder = files
        .map((file) => ({ file, jolietName: ucs2(file.name) }))
        .sort((a, b) => Buffer.compare(a.jolietName, b.jolietName));
    // Layout: descriptors at 16-18, four path tables, both directories, the Rock Ridge continuation area, data.
    // The continuation area comes after the directories because sequential readers (libarchive) refuse a CE
    // that points backwards.
    const primaryPathTableL = SYSTEM_AREA_SECTORS + 3;
    const primaryPathTableM = primaryPathTableL + 1;
    const jolietPathTableL = primaryPathTableM + 1;
    const jolietPathTableM = jolietPathTableL + 1;
    const primaryDirSector = jolietPathTableM + 1;
    const extensionReference = suspER(RRIP_ID, RRIP_DESCRIPTOR, RRIP_SOURCE);
    const placeholder = { extent: 0, size: 0 };
    // Directory sizes do not depend on extent numbers, so a first pass with placeholders measures them.
    const primaryDirSectors = packRecords(primaryRecords(primaryOrder, placeholder, placeholder, [], date, 0, extensionReference))
        .length / SECTOR;
    const jolietDirSector = primaryDirSector + primaryDirSectors;
    const jolietDirSectors = packRecords(jolietRecords(jolietOrder, placeholder, [], date)).length / SECTOR;
    const continuationSector = jolietDirSector + jolietDirSectors;
    let next = continuationSector + 1;
    const extents = new Map();
    for (const file of files) {
        extents.set(file, next);
        next += sectorsFor(file.data.length);
    }
    const dataEnd = next;
    const totalSectors = dataEnd + TRAILING_PAD_SECTORS;
    const primaryRoot = { extent: primaryDirSector, size: primaryDirSectors * SECTOR };
    const jolietRoot = { extent: jolietDirSector, size: jolietDirSectors * SECTOR };
    const fileExtents = (order) => order.map(({ file }) => ({ extent: extents.get(file), size: file.data.length }));
    const primaryDir = packRecords(primaryRecords(primaryOrder, primaryRoot, primaryRoot, fileExtents(primaryOrder), date, continuationSector, extensionReference));
    const jolietDir = packRecords(jolietRecords(jolietOrder, jolietRoot, fileExtents(jolietOrder), date));
    const image = Buffer.alloc(totalSectors * SECTOR);
    const put = (sector, bytes) => bytes.copy(image, sector * SECTOR);
    const pathTableSize = 10;
    put(SYSTEM_AREA_SECTORS, volumeDescriptor({
        type: 1,
        text: (value, length) => aString(value, length),
        volumeId,
        totalSectors,
        pathTableSize,
        pathTableL: primaryPathTableL,
        pathTableM: primaryPathTableM,
        root: rootRecordForDescriptor(primaryRoot, date),
        date,
    }));
    put(SYSTEM_AREA_SECTORS + 1, volumeDescriptor({
        type: 2,
        text: (value, length) => ucs2Padded(value, length),
        volumeId,
        totalSectors,
        pathTableSize,
        pathTableL: jolietPathTableL,
        pathTableM: jolietPathTableM,
        root: rootRecordForDescriptor(jolietRoot, date),
        date,
        // UCS-2 level 3: the escape sequence that marks a Supplementary Volume Descriptor as Joliet.
        escapeSequences: Buffer.from('%/E', 'ascii'),
    }));
    put(SYSTEM_AREA_SECTORS + 2, terminator());
    put(primaryPathTableL, rootPathTable(primaryDirSector, 'LE'));
    put(primaryPathTableM, rootPathTable(primaryDirSector, 'BE'));
    put(jolietPathTableL, rootPathTable(jolietDirSector, 'LE'));
    put(jolietPathTableM, rootPathTable(jolietDirSector, 'BE'));
    put(continuationSector, extensionReference);
    put(primaryDirSector, primaryDir);
    put(jolietDirSector, jolietDir);
    for (const file of files) {
        put(extents.get(file), file.data);
    }
    return image;
}
function checkFileNames(files) {
    const seen = new Set();
    for (const { name } of files) {
        if (!FILE_NAME.test(name) || name === '.' || name === '..') {
            throw new errors/* ConfigurationError */.j1(`Invalid ISO file name ${JSON.stringify(name)}: use 1 to 64 characters from A-Z, a-z, 0-9, '.', '_' and '-'.`);
        }
        if (seen.has(name)) {
            throw new errors/* ConfigurationError */.j1(`The ISO file name ${JSON.stringify(name)} is given twice.`);
        }
        seen.add(name);
    }
}
/**
 * ISO 9660 level-1 names (8.3, upper case, d-characters): what readers without Rock Ridge or Joliet see.
 * Names that collide after shortening get a numeric tail, as mkisofs does.
 */
function levelOneNames(names) {
    const used = new Set();
    return names.map((name) => {
        const dot = name.lastIndexOf('.');
        const hasExtension = dot > 0;
        const base = dChars(hasExtension ? name.slice(0, dot) : name) || '_';
        const extension = dChars(hasExtension ? name.slice(dot + 1) : '').slice(0, 3);
        let stem = base.slice(0, 8);
        for (let counter = 0; used.has(`${stem}.${extension}`); counter += 1) {
            const tail = String(counter);
            stem = base.slice(0, 8 - tail.length) + tail;
            if (counter > 9999)
                throw new Error(`Too many ISO names collide with ${name}.`);
        }
        used.add(`${stem}.${extension}`);
        return `${stem}.${extension};1`;
    });
}
function dChars(text) {
    return text.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}
/** ECMA-119 9.3: names compare as if the shorter were padded with spaces, name part first, then extension. */
function compareIsoNames(a, b) {
    const split = (name) => name.replace(/;1$/, '').split('.');
    const [aName, aExt] = split(a);
    const [bName, bExt] = split(b);
    return comparePadded(aName, bName) || comparePadded(aExt, bExt);
}
function comparePadded(a, b) {
    const length = Math.max(a.length, b.length);
    const pa = a.padEnd(length, ' ');
    const pb = b.padEnd(length, ' ');
    return pa < pb ? -1 : pa > pb ? 1 : 0;
}
function primaryRecords(order, self, parent, files, date, continuationSector, extensionReference) {
    const times = suspTF(date);
    const directoryPx = suspPX(MODE_DIRECTORY, 2);
    const dot = directoryRecord({
        ...self,
        flags: FLAG_DIRECTORY,
        identifier: Buffer.from([0]),
        date,
        // SP must open the root's first record; the ER that names RRIP is too long to fit and goes through CE.
        systemUse: [
            suspSP(),
            suspRR(['PX', 'TF']),
            directoryPx,
            times,
            suspCE(continuationSector, extensionReference.length),
        ],
    });
    const dotDot = directoryRecord({
        ...parent,
        flags: FLAG_DIRECTORY,
        identifier: Buffer.from([1]),
        date,
        systemUse: [suspRR(['PX', 'TF']), directoryPx, times],
    });
    return [
        dot,
        dotDot,
        ...order.map(({ file, isoName }, index) => directoryRecord({
            ...(files[index] ?? { extent: 0, size: file.data.length }),
            flags: 0,
            identifier: Buffer.from(isoName, 'ascii'),
            date,
            systemUse: [suspRR(['PX', 'NM', 'TF']), suspNM(file.name), suspPX(MODE_FILE, 1), times],
        })),
    ];
}
function jolietRecords(order, self, files, date) {
    return [
        directoryRecord({ ...self, flags: FLAG_DIRECTORY, identifier: Buffer.from([0]), date, systemUse: [] }),
        directoryRecord({ ...self, flags: FLAG_DIRECTORY, identifier: Buffer.from([1]), date, systemUse: [] }),
        ...order.map(({ file, jolietName }, index) => directoryRecord({
            ...(files[index] ?? { extent: 0, size: file.data.length }),
            flags: 0,
            identifier: jolietName,
            date,
            systemUse: [],
        })),
    ];
}
/** ECMA-119 6.8.1.1: a directory record never crosses a sector boundary; the rest of the sector stays zero. */
function packRecords(records) {
    const sectors = [];
    let current = Buffer.alloc(SECTOR);
    let used = 0;
    for (const record of records) {
        if (used + record.length > SECTOR) {
            sectors.push(current);
            current = Buffer.alloc(SECTOR);
            used = 0;
        }
        record.copy(current, used);
        used += record.length;
    }
    sectors.push(current);
    return Buffer.concat(sectors);
}
/** ECMA-119 9.1. */
function directoryRecord(fields) {
    const identifierLength = fields.identifier.length;
    const padding = identifierLength % 2 === 0 ? 1 : 0;
    const systemUse = Buffer.concat(fields.systemUse);
    let length = 33 + identifierLength + padding + systemUse.length;
    length += length % 2;
    if (length > 255) {
        throw new Error(`An ISO directory record for ${fields.identifier.toString('latin1')} is too long.`);
    }
    const record = Buffer.alloc(length);
    record[0] = length;
    record[1] = 0;
    bothEndian32(fields.extent).copy(record, 2);
    bothEndian32(fields.size).copy(record, 10);
    recordDate(fields.date).copy(record, 18);
    record[25] = fields.flags;
    record[26] = 0;
    record[27] = 0;
    bothEndian16(1).copy(record, 28);
    record[32] = identifierLength;
    fields.identifier.copy(record, 33);
    systemUse.copy(record, 33 + identifierLength + padding);
    return record;
}
/** The 34-byte copy of the root record that a volume descriptor holds (no System Use field there). */
function rootRecordForDescriptor(root, date) {
    return directoryRecord({
        ...root,
        flags: FLAG_DIRECTORY,
        identifier: Buffer.from([0]),
        date,
        systemUse: [],
    });
}
/** ECMA-119 8.4 (primary) and 8.5 (supplementary); the layouts are the same but for the text encoding. */
function volumeDescriptor(fields) {
    const sector = Buffer.alloc(SECTOR);
    sector[0] = fields.type;
    sector.write('CD001', 1, 'ascii');
    sector[6] = 1;
    fields.text(SYSTEM_ID, 32).copy(sector, 8);
    fields.text(fields.volumeId, 32).copy(sector, 40);
    bothEndian32(fields.totalSectors).copy(sector, 80);
    fields.escapeSequences?.copy(sector, 88);
    bothEndian16(1).copy(sector, 120);
    bothEndian16(1).copy(sector, 124);
    bothEndian16(SECTOR).copy(sector, 128);
    bothEndian32(fields.pathTableSize).copy(sector, 132);
    sector.writeUInt32LE(fields.pathTableL, 140);
    sector.writeUInt32BE(fields.pathTableM, 148);
    fields.root.copy(sector, 156);
    fields.text('', 128).copy(sector, 190); // volume set
    fields.text('', 128).copy(sector, 318); // publisher
    fields.text('', 128).copy(sector, 446); // data preparer
    fields.text(APPLICATION_ID, 128).copy(sector, 574);
    fields.text('', 37).copy(sector, 702); // copyright file
    fields.text('', 37).copy(sector, 739); // abstract file
    fields.text('', 37).copy(sector, 776); // bibliographic file
    descriptorDate(fields.date).copy(sector, 813); // creation
    descriptorDate(fields.date).copy(sector, 830); // modification
    descriptorDate(undefined).copy(sector, 847); // expiration: never
    descriptorDate(fields.date).copy(sector, 864); // effective
    sector[881] = 1;
    return sector;
}
function terminator() {
    const sector = Buffer.alloc(SECTOR);
    sector[0] = 255;
    sector.write('CD001', 1, 'ascii');
    sector[6] = 1;
    return sector;
}
/** ECMA-119 9.4: the table for a tree with only a root has a single 10-byte entry. */
function rootPathTable(rootSector, order) {
    const entry = Buffer.alloc(10);
    entry[0] = 1;
    entry[1] = 0;
    if (order === 'LE') {
        entry.writeUInt32LE(rootSector, 2);
        entry.writeUInt16LE(1, 6);
    }
    else {
        entry.writeUInt32BE(rootSector, 2);
        entry.writeUInt16BE(1, 6);
    }
    entry[8] = 0;
    return entry;
}
function bothEndian16(value) {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt16LE(value, 0);
    bytes.writeUInt16BE(value, 2);
    return bytes;
}
function bothEndian32(value) {
    const bytes = Buffer.alloc(8);
    bytes.writeUInt32LE(value, 0);
    bytes.writeUInt32BE(value, 4);
    return bytes;
}
/** The 7-byte binary date of directory records and RRIP TF entries, in UTC. */
function recordDate(date) {
    return Buffer.from([
        date.getUTCFullYear() - 1900,
        date.getUTCMonth() + 1,
        date.getUTCDate(),
        date.getUTCHours(),
        date.getUTCMinutes(),
        date.getUTCSeconds(),
        0,
    ]);
}
/** The 17-byte text date of volume descriptors; all zero digits means "not specified". */
function descriptorDate(date) {
    const bytes = Buffer.alloc(17);
    if (date === undefined) {
        bytes.write('0'.repeat(16), 0, 'ascii');
        return bytes;
    }
    const two = (n) => String(n).padStart(2, '0');
    const text = String(date.getUTCFullYear()).padStart(4, '0') +
        two(date.getUTCMonth() + 1) +
        two(date.getUTCDate()) +
        two(date.getUTCHours()) +
        two(date.getUTCMinutes()) +
        two(date.getUTCSeconds()) +
        two(Math.floor(date.getUTCMilliseconds() / 10));
    bytes.write(text, 0, 'ascii');
    bytes[16] = 0;
    return bytes;
}
function aString(value, length) {
    return Buffer.from(value.padEnd(length, ' ').slice(0, length), 'ascii');
}
function ucs2(value) {
    return Buffer.from(value, 'utf16le').swap16();
}
function ucs2Padded(value, length) {
    const bytes = Buffer.alloc(length);
    const chars = Math.floor(length / 2);
    ucs2(value.padEnd(chars, ' ').slice(0, chars)).copy(bytes);
    return bytes;
}
function sectorsFor(bytes) {
    return Math.ceil(bytes / SECTOR);
}
// --- SUSP (IEEE P1281) and RRIP 1.09 (IEEE P1282) entries ---
function suspEntry(signature, body) {
    const entry = Buffer.alloc(4 + body.length);
    entry.write(signature, 0, 'ascii');
    entry[2] = entry.length;
    entry[3] = 1;
    body.copy(entry, 4);
    return entry;
}
function suspSP() {
    return suspEntry('SP', Buffer.from([0xbe, 0xef, 0]));
}
function suspCE(sector, length) {
    return suspEntry('CE', Buffer.concat([bothEndian32(sector), bothEndian32(0), bothEndian32(length)]));
}
function suspER(id, descriptor, source) {
    const head = Buffer.from([id.length, descriptor.length, source.length, 1]);
    return suspEntry('ER', Buffer.concat([head, Buffer.from(id + descriptor + source, 'ascii')]));
}
const RR_FLAGS = { PX: 0x01, NM: 0x08, TF: 0x80 };
function suspRR(present) {
    return suspEntry('RR', Buffer.from([present.reduce((flags, name) => flags | RR_FLAGS[name], 0)]));
}
function suspNM(name) {
    return suspEntry('NM', Buffer.concat([Buffer.from([0]), Buffer.from(name, 'utf8')]));
}
/** RRIP 1.09 PX: mode, links, uid, gid (the 1.12 inode number is left out, as genisoimage does). */
function suspPX(mode, links) {
    return suspEntry('PX', Buffer.concat([bothEndian32(mode), bothEndian32(links), bothEndian32(0), bothEndian32(0)]));
}
/** TF with modification, access and attribute-change times, all the build time. */
function suspTF(date) {
    const time = recordDate(date);
    return suspEntry('TF', Buffer.concat([Buffer.from([0x0e]), time, time, time]));
}

// EXTERNAL MODULE: ./node_modules/ssh2/lib/index.js
var lib = __webpack_require__(5472);
var lib_default = /*#__PURE__*/__webpack_require__.n(lib);
;// CONCATENATED MODULE: ./shared/ssh/public-key.ts
/**
 * SSH public keys as OpenSSH writes them (`type base64 [comment]`), checked the one way every reader
 * of keys here needs: the pinned host keys, the keys cloud-init prints to a console, the keys we make.
 * A key counts only when its type is known, its base64 decodes to a blob that names the same type,
 * and the blob holds exactly the fields that type has (a key cut short by interleaved console output,
 * or pasted in part, is not a key).
 */
/** Each key type and how many length-prefixed fields its blob holds, its type name included. */
const FIELDS = {
    'ssh-ed25519': 2,
    'ssh-ed448': 2,
    'ssh-rsa': 3,
    'ssh-dss': 5,
    'ecdsa-sha2-nistp256': 3,
    'ecdsa-sha2-nistp384': 3,
    'ecdsa-sha2-nistp521': 3,
    'sk-ssh-ed25519@openssh.com': 3,
    'sk-ecdsa-sha2-nistp256@openssh.com': 4,
};
const PUBLIC_KEY_TYPES = Object.keys(FIELDS);
/** `type base64` anywhere in a line (for console text), the type and the base64 as groups 1 and 2. */
const PUBLIC_KEY_IN_TEXT = new RegExp(`(${PUBLIC_KEY_TYPES.map((type) => type.replace(/[.@-]/g, '\\$&')).join('|')})\\s+([A-Za-z0-9+/]+={0,2})(?=\\s|$)`);
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** The SSH wire-format strings of a blob, or undefined unless they use up the blob exactly. */
function wireFields(blob) {
    const fields = [];
    let offset = 0;
    while (offset < blob.length) {
        if (offset + 4 > blob.length)
            return undefined;
        const length = blob.readUInt32BE(offset);
        if (offset + 4 + length > blob.length)
            return undefined;
        fields.push(blob.subarray(offset + 4, offset + 4 + length));
        offset += 4 + length;
    }
    return fields;
}
/** The blob of `type base64` when it is a whole key of that type, else undefined. */
function publicKeyBlob(type, data) {
    if (type === undefined || data === undefined || FIELDS[type] === undefined || !BASE64.test(data)) {
        return undefined;
    }
    const blob = Buffer.from(data, 'base64');
    const fields = wireFields(blob);
    return fields?.length === FIELDS[type] && fields[0].toString('latin1') === type ? blob : undefined;
}

;// CONCATENATED MODULE: ./shared/ssh/host-key.ts
/**
 * Host key verification, kept pure so that every rule is unit-tested without a server: public key
 * lines (as cloud-init and ssh-keyscan print them), SHA256 fingerprints (as ssh-keygen -lf prints
 * them) and known_hosts text (plain, [host]:port and hashed |1| entries).
 */



const SKIPPED_LINE = /^(#|-----(BEGIN|END) SSH HOST KEY)/;
/** The OpenSSH SHA256 fingerprint of a key blob: unpadded base64 of its SHA-256 digest. */
function fingerprintOf(blob) {
    return `SHA256:${(0,external_node_crypto_.createHash)('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}
/** The algorithm name written at the start of a key blob, or undefined if the blob is malformed. */
function keyTypeOf(blob) {
    if (blob.length < 4) {
        return undefined;
    }
    const length = blob.readUInt32BE(0);
    if (length === 0 || length > 64 || 4 + length > blob.length) {
        return undefined;
    }
    return blob.subarray(4, 4 + length).toString('latin1');
}
/** A `type base64` pair if it is a whole key of a known type (shared/ssh/public-key.ts). */
function keyFromFields(type, data) {
    const blob = publicKeyBlob(type, data);
    return blob && type ? { type, blob } : undefined;
}
/**
 * Parses one public key line: `type base64 [comment]`, optionally preceded by a host field (and a
 * known_hosts marker) as ssh-keyscan and known_hosts write it. Undefined when the line holds no key.
 */
function parsePublicKeyLine(line) {
    const fields = line.trim().split(/\s+/);
    for (let i = 0; i < Math.min(fields.length - 1, 3); i++) {
        const key = keyFromFields(fields[i], fields[i + 1]);
        if (key) {
            return key;
        }
    }
    return undefined;
}
function describeLine(line) {
    const shown = line.length > 60 ? `${line.slice(0, 57)}...` : line;
    return JSON.stringify(shown);
}
/** All keys of a host-keys text; blank lines, comments and cloud-init's BEGIN/END markers are skipped. */
function parseHostKeys(text, inputName = 'host-keys') {
    const keys = [];
    text.split(/\r?\n/).forEach((raw, index) => {
        const line = raw.trim();
        if (line === '' || SKIPPED_LINE.test(line)) {
            return;
        }
        const key = parsePublicKeyLine(line);
        if (!key) {
            throw new errors/* ConfigurationError */.j1(`${inputName} line ${index + 1} is not an OpenSSH public key line (like "ssh-ed25519 AAAA... comment", ` +
                `optionally after a host name): ${describeLine(line)}`);
        }
        keys.push(key);
    });
    return keys;
}
/** Normalises a SHA256 fingerprint, given alone or as a whole `ssh-keygen -lf` output line. */
function parseFingerprint(text, inputName = 'fingerprint') {
    const match = /(?:^|\s)SHA256:([A-Za-z0-9+/]{43})=?(?:\s|$)/.exec(text.trim());
    if (!match) {
        throw new errors/* ConfigurationError */.j1(`${inputName} ${describeLine(text.trim())} is not a SHA256 fingerprint; ` +
            'allowed: "SHA256:" and 43 base64 characters, as `ssh-keygen -lf` prints it.');
    }
    return `SHA256:${match[1]}`;
}
function parseKnownHosts(text, inputName = 'known-hosts') {
    const entries = [];
    text.split(/\r?\n/).forEach((raw, index) => {
        const line = raw.trim();
        if (line === '' || line.startsWith('#')) {
            return;
        }
        const fields = line.split(/\s+/);
        let marker;
        if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
            marker = fields.shift();
        }
        else if (fields[0]?.startsWith('@')) {
            throw new errors/* ConfigurationError */.j1(`${inputName} line ${index + 1} has an unknown marker ${describeLine(fields[0])}; allowed: @revoked, @cert-authority.`);
        }
        const [patterns, type, data] = fields;
        const key = keyFromFields(type, data);
        if (patterns === undefined || !key) {
            throw new errors/* ConfigurationError */.j1(`${inputName} line ${index + 1} is not a known_hosts line ("host[,host...] key-type base64-key"): ` +
                describeLine(line));
        }
        entries.push({ ...(marker ? { marker } : {}), patterns, key, line: index + 1 });
    });
    return entries;
}
/** How OpenSSH names a host in known_hosts: the bare name on port 22, `[name]:port` otherwise. */
function knownHostsName(host, port) {
    const name = host.toLowerCase();
    return port === 22 ? name : `[${name}]:${port}`;
}
function globToRegExp(pattern) {
    const body = pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replaceAll('*', '.*')
        .replaceAll('?', '.');
    return new RegExp(`^${body}$`, 'i');
}
function hashedMatches(pattern, name) {
    const [, magic, salt, hash] = pattern.split('|');
    if (magic !== '1' || salt === undefined || hash === undefined) {
        return false;
    }
    const digest = (0,external_node_crypto_.createHmac)('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return digest === hash;
}
/** Whether a known_hosts host field names this host: globs, !negations and hashed |1| entries. */
function hostPatternsMatch(patterns, host, port) {
    const name = knownHostsName(host, port);
    if (patterns.startsWith('|')) {
        return hashedMatches(patterns, name);
    }
    let matched = false;
    for (const pattern of patterns.split(',')) {
        const negated = pattern.startsWith('!');
        const glob = negated ? pattern.slice(1) : pattern;
        if (globToRegExp(glob).test(name)) {
            if (negated) {
                return false;
            }
            matched = true;
        }
    }
    return matched;
}
/**
 * Everything the pins say about one host: the keys and fingerprints it may offer and the keys it must
 * not. Throws a ConfigurationError when nothing pins the host and insecure acceptance is off.
 */
class HostKeyPolicy {
    host;
    port;
    expected;
    revoked;
    insecure;
    /** The algorithms of the pinned keys, so the client can ask the server for those first. */
    pinnedTypes;
    constructor(host, port, pins, inputPrefix = '') {
        this.host = host;
        this.port = port;
        const expected = [];
        const revoked = [];
        for (const key of parseHostKeys(pins.hostKeys ?? '', `${inputPrefix}host-keys`)) {
            expected.push({
                fingerprint: fingerprintOf(key.blob),
                type: key.type,
                source: `${inputPrefix}host-keys`,
            });
        }
        for (const text of pins.fingerprint ?? []) {
            expected.push({
                fingerprint: parseFingerprint(text, `${inputPrefix}fingerprint`),
                source: `${inputPrefix}fingerprint`,
            });
        }
        for (const entry of parseKnownHosts(pins.knownHosts ?? '', `${inputPrefix}known-hosts`)) {
            if (!hostPatternsMatch(entry.patterns, host, port)) {
                continue;
            }
            const fingerprint = fingerprintOf(entry.key.blob);
            if (entry.marker === '@revoked') {
                revoked.push(fingerprint);
            }
            else if (entry.marker === undefined) {
                expected.push({
                    fingerprint,
                    type: entry.key.type,
                    source: `${inputPrefix}known-hosts line ${entry.line}`,
                });
            }
            // @cert-authority lines vouch for host certificates, which this client does not use.
        }
        this.expected = expected;
        this.revoked = revoked;
        this.insecure = pins.insecureAcceptHostKey === true;
        this.pinnedTypes = [...new Set(expected.flatMap((e) => (e.type ? [e.type] : [])))];
        if (expected.length === 0 && !this.insecure) {
            const where = knownHostsName(host, port);
            throw new errors/* ConfigurationError */.j1(`No host key is pinned for ${where}: give ${inputPrefix}host-keys, ${inputPrefix}fingerprint or ` +
                `${inputPrefix}known-hosts (with an entry for ${where}), or set insecure-accept-host-key for a first contact.`);
        }
    }
    /** A policy that accepts exactly the key verified on an earlier connection. */
    static pinnedTo(host, port, key) {
        const line = `${key.type} ${key.blob.toString('base64')}`;
        return new HostKeyPolicy(host, port, { hostKeys: line });
    }
    decide(offered) {
        const fingerprint = fingerprintOf(offered);
        const type = keyTypeOf(offered) ?? 'unknown';
        const where = `${this.host}:${this.port}`;
        if (this.revoked.includes(fingerprint)) {
            return {
                accepted: false,
                fingerprint,
                type,
                reason: `the ${type} key ${fingerprint} of ${where} is marked @revoked in known-hosts`,
            };
        }
        if (this.expected.some((e) => e.fingerprint === fingerprint)) {
            return { accepted: true, fingerprint, type, pinned: true };
        }
        if (this.expected.length === 0 && this.insecure) {
            return { accepted: true, fingerprint, type, pinned: false };
        }
        const wanted = this.expected
            .map((e) => `${e.type ? `${e.type} ` : ''}${e.fingerprint} (${e.source})`)
            .join(', ');
        return {
            accepted: false,
            fingerprint,
            type,
            reason: `${where} offered a ${type} host key with fingerprint ${fingerprint}, but the expected keys are: ${wanted}`,
        };
    }
}

;// CONCATENATED MODULE: ./shared/cloudinit/keys.ts





const COMMENT = /^[\x20-\x7e]*$/;
/** A fresh ed25519 key pair; the comment ends up on the public key line, so it must be printable ASCII. */
function generateEd25519KeyPair(comment = '') {
    if (!COMMENT.test(comment)) {
        throw new errors/* ConfigurationError */.j1(`Invalid SSH key comment ${JSON.stringify(comment)}: use printable ASCII characters only (no newlines).`);
    }
    // ssh2 drops the leading zero byte of a public key that starts with one (1 key in 256), which
    // leaves both halves unreadable to OpenSSH ("error in libcrypto"): such a pair is drawn again.
    let pair = lib_default().utils.generateKeyPairSync('ed25519', { comment });
    while (!hasWholeEd25519Key(pair.public)) {
        pair = lib_default().utils.generateKeyPairSync('ed25519', { comment });
    }
    const privateText = pair.private.endsWith('\n') ? pair.private : `${pair.private}\n`;
    const publicKey = pair.public.trim();
    return { privateKey: new shared_secret/* Secret */.zh(privateText), publicKey, fingerprint: sshFingerprint(publicKey) };
}
/** A whole ed25519 key: its blob's second field is the 32-byte key itself. */
function hasWholeEd25519Key(publicKeyLine) {
    const [type, data] = publicKeyLine.trim().split(/\s+/);
    const blob = publicKeyBlob(type, data);
    return type === 'ssh-ed25519' && blob !== undefined && wireFields(blob)[1].length === 32;
}
/**
 * The SHA256 fingerprint of a public key line, exactly as OpenSSH prints it: `SHA256:` and the unpadded
 * base64 of the SHA-256 of the key blob (the base64 field of the line, decoded).
 */
function sshFingerprint(publicKeyLine) {
    const [type, data] = publicKeyLine.trim().split(/\s+/);
    if (type === undefined || data === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) {
        throw new errors/* ConfigurationError */.j1(`Invalid SSH public key ${JSON.stringify(abbreviate(publicKeyLine))}: expected "TYPE BASE64 [comment]".`);
    }
    const blob = publicKeyBlob(type, data);
    // The blob starts with its own type as an SSH string; a mismatch means a damaged or pasted-wrong key.
    if (blob === undefined) {
        throw new errors/* ConfigurationError */.j1(`Invalid SSH public key ${JSON.stringify(abbreviate(publicKeyLine))}: the key data does not match its type ${type}.`);
    }
    return fingerprintOf(blob);
}
function abbreviate(text) {
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

;// CONCATENATED MODULE: ./shared/cloudinit/password.ts



/**
 * SHA-512 crypt (`$6$`), the hash /etc/shadow and cloud-init's `passwd` take, written from Ulrich Drepper's
 * "Unix crypt using SHA-256 and SHA-512" specification so no host tool (openssl, mkpasswd) is needed.
 */
const ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DEFAULT_ROUNDS = 5000;
const MIN_ROUNDS = 1000;
const MAX_ROUNDS = 999_999_999;
const MAX_SALT = 16;
const SALT = /^[./0-9A-Za-z]{1,16}$/;
/** The byte order in which the final digest is spread over the 86 output characters (spec step 22e). */
const ORDER = [
    [0, 21, 42],
    [22, 43, 1],
    [44, 2, 23],
    [3, 24, 45],
    [25, 46, 4],
    [47, 5, 26],
    [6, 27, 48],
    [28, 49, 7],
    [50, 8, 29],
    [9, 30, 51],
    [31, 52, 10],
    [53, 11, 32],
    [12, 33, 54],
    [34, 55, 13],
    [56, 14, 35],
    [15, 36, 57],
    [37, 58, 16],
    [59, 17, 38],
    [18, 39, 60],
    [40, 61, 19],
    [62, 20, 41],
];
function sha512Crypt(password, options = {}) {
    const salt = options.salt ?? randomSalt();
    if (!SALT.test(salt)) {
        throw new errors/* ConfigurationError */.j1(`Invalid SHA-512 crypt salt: use 1 to ${MAX_SALT} characters from ./0-9A-Za-z (got ${salt.length} characters).`);
    }
    const rounds = options.rounds ?? DEFAULT_ROUNDS;
    if (!Number.isInteger(rounds) || rounds < MIN_ROUNDS || rounds > MAX_ROUNDS) {
        throw new errors/* ConfigurationError */.j1(`Invalid SHA-512 crypt rounds ${rounds}: use a whole number from ${MIN_ROUNDS} to ${MAX_ROUNDS}.`);
    }
    const p = Buffer.from(typeof password === 'string' ? password : password.reveal(), 'utf8');
    const s = Buffer.from(salt, 'ascii');
    const b = sha512(p, s, p);
    const a = (0,external_node_crypto_.createHash)('sha512').update(p).update(s);
    addRepeated(a, b, p.length);
    for (let length = p.length; length > 0; length >>= 1) {
        a.update(length & 1 ? b : p);
    }
    const digestA = a.digest();
    const dp = (0,external_node_crypto_.createHash)('sha512');
    for (let i = 0; i < p.length; i += 1)
        dp.update(p);
    const pBytes = repeatTo(dp.digest(), p.length);
    const ds = (0,external_node_crypto_.createHash)('sha512');
    for (let i = 0; i < 16 + digestA[0]; i += 1)
        ds.update(s);
    const sBytes = repeatTo(ds.digest(), s.length);
    let c = digestA;
    for (let round = 0; round < rounds; round += 1) {
        const hash = (0,external_node_crypto_.createHash)('sha512');
        hash.update(round & 1 ? pBytes : c);
        if (round % 3)
            hash.update(sBytes);
        if (round % 7)
            hash.update(pBytes);
        hash.update(round & 1 ? c : pBytes);
        c = hash.digest();
    }
    let encoded = '';
    for (const [x, y, z] of ORDER) {
        encoded += base64From24Bits(c[x], c[y], c[z], 4);
    }
    encoded += base64From24Bits(0, 0, c[63], 2);
    const roundsPart = options.rounds === undefined ? '' : `rounds=${rounds}$`;
    return `$6$${roundsPart}${salt}$${encoded}`;
}
/** A random password for a build user: 24 characters, about 143 bits, safe in any config file or shell. */
function randomPassword() {
    const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
    let text = '';
    for (let i = 0; i < 24; i += 1)
        text += alphabet[(0,external_node_crypto_.randomInt)(alphabet.length)];
    return new shared_secret/* Secret */.zh(text);
}
function randomSalt() {
    return [...(0,external_node_crypto_.randomBytes)(MAX_SALT)].map((byte) => ALPHABET[byte & 0x3f]).join('');
}
function sha512(...parts) {
    const hash = (0,external_node_crypto_.createHash)('sha512');
    for (const part of parts)
        hash.update(part);
    return hash.digest();
}
function addRepeated(hash, block, length) {
    let left = length;
    for (; left > block.length; left -= block.length)
        hash.update(block);
    hash.update(block.subarray(0, left));
}
function repeatTo(block, length) {
    const out = Buffer.alloc(length);
    for (let offset = 0; offset < length; offset += block.length)
        block.copy(out, offset, 0, length - offset);
    return out;
}
function base64From24Bits(b2, b1, b0, count) {
    let word = (b2 << 16) | (b1 << 8) | b0;
    let out = '';
    for (let i = 0; i < count; i += 1) {
        out += ALPHABET[word & 0x3f];
        word >>= 6;
    }
    return out;
}

;// CONCATENATED MODULE: ./shared/cloudinit/seed.ts








/**
 * The NoCloud seed for one image build: a build user that only the build's own key can log in as, and an
 * SSH host key made here, so the builder's first connection is checked against a known key rather than
 * trusted on first use.
 */
const NOCLOUD_VOLUME_ID = 'cidata';
/** Keys that the extra cloud-config may not change: they carry the login and host-key guarantees. */
const OWNED_KEYS = ['ssh_pwauth', 'disable_root', 'ssh_deletekeys', 'ssh_keys', 'ssh_genkeytypes'];
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
const HOST_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
function renderNoCloudSeed(options) {
    checkHostname(options.hostname);
    checkBuildUser(options.buildUser);
    const comment = options.keyComment ?? `indicovm-build@${options.hostname}`;
    const buildKey = generateEd25519KeyPair(comment);
    const hostKey = generateEd25519KeyPair(`indicovm-host@${options.hostname}`);
    const password = randomPassword();
    const instanceId = `iid-indicovm-${(0,external_node_crypto_.randomBytes)(8).toString('hex')}`;
    const base = {
        users: [
            {
                name: options.buildUser,
                sudo: 'ALL=(ALL) NOPASSWD:ALL',
                shell: '/bin/bash',
                lock_passwd: false,
                passwd: new shared_secret/* Secret */.zh(sha512Crypt(password)),
                ssh_authorized_keys: [buildKey.publicKey],
            },
        ],
        ssh_pwauth: false,
        disable_root: true,
        // Remove any host key baked into the image, then install ours; with ssh_keys given, cloud-init generates
        // none, and ssh_genkeytypes limits it to ed25519 (which then already exists) should that ever change.
        ssh_deletekeys: true,
        ssh_keys: { ed25519_private: hostKey.privateKey, ed25519_public: hostKey.publicKey },
        ssh_genkeytypes: ['ed25519'],
        // The guest's apt does not inherit the host's settings; a mirror snapshot with expired Release files
        // would otherwise stop every package install.
        apt: { conf: 'Acquire::Check-Valid-Until "false";\n' },
    };
    const extra = typeof options.extraCloudConfig === 'string'
        ? parseCloudConfig(options.extraCloudConfig, 'the extra cloud-config')
        : (options.extraCloudConfig ?? {});
    const userData = renderCloudConfig(mergeCloudConfig(base, extra, OWNED_KEYS));
    const metaData = renderYaml({ 'instance-id': instanceId, 'local-hostname': options.hostname });
    const networkConfig = renderNetworkConfig(options.networkConfig);
    const files = [
        { name: 'meta-data', data: Buffer.from(metaData, 'utf8') },
        { name: 'user-data', data: Buffer.from(userData, 'utf8') },
    ];
    if (networkConfig !== undefined)
        files.push({ name: 'network-config', data: Buffer.from(networkConfig, 'utf8') });
    const iso = buildIso({
        volumeId: NOCLOUD_VOLUME_ID,
        files,
        ...(options.date ? { date: options.date } : {}),
    });
    return {
        instanceId,
        metaData,
        userData: new shared_secret/* Secret */.zh(userData, { composite: true }),
        ...(networkConfig !== undefined ? { networkConfig } : {}),
        iso,
        buildUser: options.buildUser,
        buildKey,
        hostKey,
        password,
    };
}
function renderNetworkConfig(config) {
    if (config === undefined)
        return undefined;
    const value = typeof config === 'string' ? parseNetworkConfig(config) : config;
    const version = value.version ??
        value.network?.version;
    if (version !== 1 && version !== 2) {
        throw new errors/* ConfigurationError */.j1('Invalid network-config: it must say version: 1 or version: 2.');
    }
    return typeof config === 'string' ? (config.endsWith('\n') ? config : `${config}\n`) : renderYaml(config);
}
function parseNetworkConfig(text) {
    let value;
    try {
        value = dist.parse(text, { version: '1.1' });
    }
    catch (error) {
        throw new errors/* ConfigurationError */.j1(`Invalid network-config: not valid YAML (${error.message.split('\n')[0]}).`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new errors/* ConfigurationError */.j1('Invalid network-config: expected a mapping with a version key.');
    }
    return value;
}
function checkHostname(hostname) {
    const labels = hostname.split('.');
    if (hostname.length > 253 || !labels.every((label) => HOST_LABEL.test(label))) {
        throw new errors/* ConfigurationError */.j1(`Invalid hostname ${JSON.stringify(hostname)}: use dot-separated labels of letters, digits and '-' ` +
            `(each 1 to 63 characters, not starting or ending with '-').`);
    }
}
function checkBuildUser(name) {
    if (!USER_NAME.test(name) || name === 'root') {
        throw new errors/* ConfigurationError */.j1(`Invalid build user ${JSON.stringify(name)}: use a lower-case Linux user name (a-z, 0-9, _ and -, ` +
            `starting with a letter or _, at most 32 characters), and not root.`);
    }
}

;// CONCATENATED MODULE: ./shared/ssh/errors.ts

/** The server offered a key that the pins do not allow; nothing was sent to it. Never retried. */
class HostKeyMismatchError extends errors/* ConfigurationError */.j1 {
    offeredType;
    offeredFingerprint;
    constructor(offeredType, offeredFingerprint, reason) {
        super(`Host key verification failed: ${reason}. Nothing was sent to the server.`);
        this.offeredType = offeredType;
        this.offeredFingerprint = offeredFingerprint;
    }
}
/** The server refused every credential given. Never retried: trying again cannot help. */
class SshAuthenticationError extends errors/* ConfigurationError */.j1 {
    constructor(where, username, methods) {
        super(`SSH authentication as ${username} to ${where} failed (tried: ${methods.join(', ') || 'none'}). ` +
            'Check the user name and the private key, passphrase or password.');
    }
}
/** The connection could not be set up, after every retry. */
class SshConnectionError extends Error {
    name = 'SshConnectionError';
    constructor(where, attempts, cause) {
        const message = cause?.message;
        const detail = typeof message === 'string' ? message : String(cause);
        super(`Could not connect over SSH to ${where} (${attempts} attempt${attempts === 1 ? '' : 's'}): ${detail}`, {
            cause,
        });
    }
}
/** An established connection went away (server restarted, network dropped, sshd killed). */
class SshConnectionLostError extends Error {
    name = 'SshConnectionLostError';
    constructor(where, during, detail) {
        super(`The SSH connection to ${where} was lost ${during}${detail ? ` (${detail})` : ''}; ` +
            'call reconnect() to open it again.');
    }
}
/** A remote command outran its time limit; its channel was signalled and closed. */
class CommandTimeoutError extends errors/* CommandError */.Qd {
    timeoutMs;
    constructor(command, timeoutMs, outputTail) {
        super(command, null, outputTail, `timed out after ${formatLimit(timeoutMs)} and was stopped`);
        this.timeoutMs = timeoutMs;
    }
}
function formatLimit(ms) {
    return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

;// CONCATENATED MODULE: ./shared/ssh/text-or-file.ts




/** A leading `~/` as a shell would expand it: YAML inputs and indicovm.yml never pass through one. */
function expandHome(path, home = (0,external_node_os_.homedir)()) {
    return path === '~' ? home : path.startsWith('~/') ? (0,external_node_path_.join)(home, path.slice(2)) : path;
}
/**
 * The text an input holds, or the contents of the file it names: a value of one line that `kind`
 * does not take as text is a path (a leading ~/ is the home folder).
 */
function textOrFile(value, inputName, kind) {
    const trimmed = value.trim();
    if (trimmed === '' || trimmed.includes('\n') || kind.isText(trimmed)) {
        return value;
    }
    try {
        return (0,external_node_fs_.readFileSync)(expandHome(trimmed), 'utf8');
    }
    catch (error) {
        const code = error.code ?? 'unreadable';
        throw new errors/* ConfigurationError */.j1(`${inputName} is neither ${kind.what} nor a readable file (${code}).`);
    }
}

;// CONCATENATED MODULE: ./shared/ssh/private-key.ts




// PEM and OpenSSH armour, or PuTTY's .ppk, which ssh2 reads too.
const KEY_TEXT = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|^PuTTY-User-Key-File-\d+:/m;
const PRIVATE_KEY = {
    what: 'private key text (-----BEGIN ... PRIVATE KEY-----)',
    isText: (line) => KEY_TEXT.test(line),
};
/**
 * Reads a private key given as text or as a path, and checks that it parses (and decrypts with the
 * passphrase) before any connection is tried, so a wrong key is a clear input error rather than an
 * authentication failure. Error messages name the input, never the key or the passphrase.
 */
function loadPrivateKey(given, passphrase, inputName = 'ssh-key') {
    const plain = (0,shared_secret/* isSecret */.$f)(given) ? given.reveal() : given;
    const value = textOrFile(plain, inputName, PRIVATE_KEY);
    if (value !== plain) {
        // A key read from a file is masked in logs like one given as text.
        void new shared_secret/* Secret */.zh(value);
    }
    if (!KEY_TEXT.test(value)) {
        throw new errors/* ConfigurationError */.j1(`${inputName} is not a private key: expected OpenSSH or PEM text (-----BEGIN ... PRIVATE KEY-----) or a file path.`);
    }
    // Keys pasted into YAML inputs often lose their final newline or gain CRLFs.
    const text = Buffer.from(value.replace(/\r\n/g, '\n').trim() + '\n');
    const secretPassphrase = passphrase?.reveal();
    const parsed = lib_default().utils.parseKey(text, secretPassphrase);
    const first = Array.isArray(parsed) ? parsed[0] : parsed;
    // ssh2 returns (not throws) an Error; it is told apart by shape, as it may come from another realm.
    if (!isParsedKey(first)) {
        throw new errors/* ConfigurationError */.j1(`${inputName} could not be read: ${describeParseError(first, inputName, passphrase !== undefined)}`);
    }
    if (!first.isPrivateKey()) {
        throw new errors/* ConfigurationError */.j1(`${inputName} holds a public key; a private key is needed.`);
    }
    return { key: text, ...(secretPassphrase !== undefined ? { passphrase: secretPassphrase } : {}) };
}
function isParsedKey(value) {
    return typeof value?.isPrivateKey === 'function';
}
function describeParseError(error, inputName, hadPassphrase) {
    const message = String(error?.message ?? 'unknown key format');
    if (/no passphrase/i.test(message)) {
        return `the key is encrypted and needs ${inputName}-passphrase.`;
    }
    if (hadPassphrase && /decrypt|bad passphrase|integrity/i.test(message)) {
        return 'the passphrase does not decrypt it.';
    }
    return `${message}.`;
}

;// CONCATENATED MODULE: ./shared/ssh/options.ts
function endpointName(endpoint) {
    const port = endpoint.port ?? 22;
    return endpoint.host.includes(':') ? `[${endpoint.host}]:${port}` : `${endpoint.host}:${port}`;
}

;// CONCATENATED MODULE: ./shared/ssh/connect.ts







const connect_RETRYABLE_CODES = new Set([
    'ECONNREFUSED',
    'ECONNRESET',
    'ECONNABORTED',
    'ETIMEDOUT',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'EHOSTDOWN',
    'EPIPE',
    'EAI_AGAIN',
]);
/** Errors of a server that is not (yet) answering, as opposed to one that answered no. */
function isRetryableConnectError(error) {
    // Errors from node:net may come from another realm (test sandboxes), so no instanceof Error here.
    if (error instanceof errors/* ConfigurationError */.j1 || typeof error !== 'object' || error === null) {
        return false;
    }
    const { code, level, message } = error;
    if (typeof message !== 'string') {
        return false;
    }
    if (typeof code === 'string' && connect_RETRYABLE_CODES.has(code)) {
        return true;
    }
    if (level === 'client-timeout') {
        return true;
    }
    // A starting sshd accepts and drops connections before it can exchange identification strings.
    return /Connection lost before handshake|kex_exchange_identification|No response from server|Keepalive timeout/i.test(message);
}
function authConfig(endpoint, inputPrefix) {
    const config = {};
    const methods = [];
    if (endpoint.privateKey !== undefined) {
        const loaded = loadPrivateKey(endpoint.privateKey, endpoint.passphrase, endpoint.keyInput ?? `${inputPrefix}ssh-key`);
        config.privateKey = loaded.key;
        if (loaded.passphrase !== undefined) {
            config.passphrase = loaded.passphrase;
        }
        methods.push('publickey');
    }
    if (endpoint.agent) {
        config.agent = endpoint.agent;
        methods.push('agent');
    }
    if (endpoint.password !== undefined) {
        config.password = endpoint.password.reveal();
        methods.push('password');
    }
    if (methods.length === 0) {
        // The jump host has no password input: its key is proxy-ssh-key, or ssh-key when that is empty.
        const give = inputPrefix === 'proxy-'
            ? 'give proxy-ssh-key (or ssh-key, which serves the jump host too when proxy-ssh-key is empty)'
            : `give ${inputPrefix}ssh-key, ${inputPrefix}password`;
        throw new errors/* ConfigurationError */.j1(`No SSH credentials for ${endpoint.username}@${endpointName(endpoint)}: ${give}, ` +
            'or run with an ssh-agent (SSH_AUTH_SOCK).');
    }
    return { config, methods };
}
// ssh2's own default order; its `prepend` option does not move an algorithm that is already listed.
const HOST_KEY_ALGORITHMS = [
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
    'rsa-sha2-512',
    'rsa-sha2-256',
    'ssh-rsa',
];
/** Host key algorithms with the pinned ones first, so a server with several keys shows a pinned one. */
function hostKeyAlgorithms(pinnedTypes) {
    const preferred = pinnedTypes
        .flatMap((type) => (type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type]))
        .filter((algorithm) => HOST_KEY_ALGORITHMS.includes(algorithm));
    if (preferred.length === 0) {
        return undefined;
    }
    return [...preferred, ...HOST_KEY_ALGORITHMS.filter((algorithm) => !preferred.includes(algorithm))];
}
/** One attempt: resolves with a logged-in client, or rejects (the client is then closed). */
function openClient(options) {
    const { endpoint, policy, reporter } = options;
    const where = endpointName(endpoint);
    const { config: auth, methods } = authConfig(endpoint, options.inputPrefix ?? '');
    const preferred = hostKeyAlgorithms(policy.pinnedTypes);
    return new Promise((resolve, reject) => {
        const client = new (lib_default()).Client();
        let verified;
        let mismatch;
        let settled = false;
        const fail = (error) => {
            if (settled) {
                return;
            }
            settled = true;
            client.removeAllListeners('ready');
            // Errors after this point (from the socket being torn down) must not be unhandled.
            client.on('error', () => undefined);
            client.end();
            reject(error);
        };
        client.once('ready', () => {
            if (settled) {
                return;
            }
            settled = true;
            if (!verified) {
                client.end();
                reject(new Error(`The SSH library logged in to ${where} without verifying its host key.`));
                return;
            }
            resolve({ client, hostKey: verified });
        });
        client.on('error', (error) => {
            if (mismatch) {
                fail(mismatch);
            }
            else if (error.level === 'client-authentication') {
                fail(new SshAuthenticationError(where, endpoint.username, methods));
            }
            else {
                fail(error);
            }
        });
        client.on('close', () => fail(mismatch ?? new Error(`Connection to ${where} closed during the handshake`)));
        const config = {
            ...auth,
            host: endpoint.host,
            port: endpoint.port ?? 22,
            username: endpoint.username,
            readyTimeout: options.readyTimeoutMs,
            keepaliveInterval: options.keepaliveIntervalMs,
            keepaliveCountMax: 3,
            hostVerifier: (key) => {
                const decision = policy.decide(key);
                if (!decision.accepted) {
                    mismatch = new HostKeyMismatchError(decision.type, decision.fingerprint, decision.reason);
                    return false;
                }
                if (!decision.pinned) {
                    reporter.warning(`Accepting the unverified ${decision.type} host key of ${where} (${decision.fingerprint}) because ` +
                        'insecure-accept-host-key is set; pin it with fingerprint or host-keys.');
                }
                else {
                    reporter.debug(`Host key of ${where} verified: ${decision.type} ${decision.fingerprint}`);
                }
                verified = { type: keyTypeOf(key) ?? decision.type, blob: Buffer.from(key) };
                return true;
            },
            ...(preferred ? { algorithms: { serverHostKey: preferred } } : {}),
            ...(options.sock ? { sock: options.sock } : {}),
        };
        try {
            client.connect(config);
        }
        catch (error) {
            fail(error);
        }
    });
}
/** Runs attempt() until it succeeds or fails with an error that retrying cannot fix. */
async function withRetries(where, retry, reporter, attempt) {
    const plan = {
        attempts: Math.max(1, retry?.attempts ?? 3),
        forMs: Math.max(0, retry?.forMs ?? 0),
        baseDelayMs: Math.max(1, retry?.initialDelayMs ?? 1000),
        maxDelayMs: Math.max(1, retry?.maxDelayMs ?? 10_000),
    };
    return withRetry(plan, attempt, (error) => ({ retry: isRetryableConnectError(error) }), {
        onRetry: (error, n, delay) => reporter.debug(`SSH to ${where} not ready (${error.message}); attempt ${n + 1} in ${delay} ms`),
        exhausted: (error, n) => new SshConnectionError(where, n, error),
    });
}

// EXTERNAL MODULE: external "node:string_decoder"
var external_node_string_decoder_ = __webpack_require__(6193);
;// CONCATENATED MODULE: ./shared/ssh/exec.ts
/**
 * Running one command on an ssh2 connection: the command line is built from argv by
 * shared/shell/quote.ts only, output is streamed as it comes, and a time limit stops the command.
 */





const exec_TAIL_CHARS = 4000;
const CLOSE_GRACE_MS = 2000;
/** Exit statuses of GNU timeout for a command it stopped: TERM (124) or, 5 s later, KILL (128 + 9). */
const REMOTE_TIMEOUT_STATUSES = new Set([124, 137]);
/** `[sudo -n --] [timeout LIMIT] [env NAME=value...] argv...`, and the same with values hidden for display. */
function buildCommand(argv, options) {
    const parts = [];
    const shownParts = [];
    if (options.sudo && options.username !== 'root') {
        parts.push('sudo -n --');
        shownParts.push('sudo -n --');
    }
    if (options.timeoutMs !== undefined && options.timeoutMs > 0) {
        // The remote side enforces the limit too: sshd keeps running a command whose channel the client
        // closed, and refuses signal requests in root sessions. GNU timeout kills the command's whole
        // process group, and KILLs it 5 s after a TERM that it ignores.
        parts.push(commandLine(['timeout', '-k', '5s', `${options.timeoutMs / 1000}s`]));
    }
    const env = options.env ?? {};
    const names = Object.keys(env);
    const secrets = [];
    if (names.length > 0) {
        const revealed = {};
        const hidden = {};
        for (const name of names) {
            const value = env[name];
            revealed[name] = (0,shared_secret/* isSecret */.$f)(value) ? value.reveal() : value;
            hidden[name] = '***';
            if ((0,shared_secret/* isSecret */.$f)(value) && value.length >= 3) {
                secrets.push(value.reveal());
            }
        }
        parts.push('env', assignments(revealed));
        shownParts.push('env', assignments(hidden));
    }
    const command = commandLine(argv);
    parts.push(command);
    shownParts.push(command);
    return { line: parts.join(' '), shown: shownParts.join(' '), secrets };
}
function outputTail(stderr, stdout, secrets) {
    const source = stderr.length > 0 ? stderr : stdout;
    let text = source.subarray(Math.max(0, source.length - exec_TAIL_CHARS * 2)).toString('utf8');
    for (const secret of secrets) {
        text = text.split(secret).join('***');
    }
    return text.slice(-exec_TAIL_CHARS).trimEnd();
}
/** Forwards a channel's bytes to a text callback without splitting multi-byte characters. */
function textSink(callback) {
    if (!callback) {
        return () => undefined;
    }
    const decoder = new external_node_string_decoder_.StringDecoder('utf8');
    return (chunk) => {
        const text = decoder.write(chunk);
        if (text) {
            callback(text);
        }
    };
}
/**
 * Runs a built command and resolves with its raw output, whatever its exit status; rejects on a time
 * limit, a lost connection or a channel that could not be opened.
 */
function runCommand(client, command, options, where) {
    return new Promise((resolve, reject) => {
        const stdout = [];
        const stderr = [];
        const toStdout = textSink(options.onStdout);
        const toStderr = textSink(options.onStderr);
        let channel;
        let code = null;
        let signal;
        let timer;
        let graceTimer;
        let settled = false;
        let timedOut = false;
        const finish = (error) => {
            if (settled) {
                return;
            }
            settled = true;
            clearTimeout(timer);
            clearTimeout(graceTimer);
            client.removeListener('close', onClientClose);
            if (error) {
                reject(error);
            }
            else {
                resolve({
                    code,
                    ...(signal !== undefined ? { signal } : {}),
                    stdout: Buffer.concat(stdout),
                    stderr: Buffer.concat(stderr),
                });
            }
        };
        const onClientClose = () => finish(new SshConnectionLostError(where, `while running ${command.shown}`));
        client.once('close', onClientClose);
        const timeoutMs = options.timeoutMs ?? 0;
        const started = Date.now();
        const timeoutError = () => new CommandTimeoutError(command.shown, timeoutMs, outputTail(Buffer.concat(stderr), Buffer.concat(stdout), command.secrets));
        if (timeoutMs > 0) {
            timer = setTimeout(() => {
                timedOut = true;
                const error = timeoutError();
                if (channel) {
                    channel.close();
                }
                // Do not wait for a server that does not answer the close.
                graceTimer = setTimeout(() => finish(error), CLOSE_GRACE_MS);
                channel?.once('close', () => finish(error));
                if (!channel) {
                    finish(error);
                }
            }, timeoutMs);
        }
        try {
            client.exec(command.line, (error, opened) => {
                if (error) {
                    finish(/No response from server|Not connected/i.test(error.message)
                        ? new SshConnectionLostError(where, `before ${command.shown} could start`, error.message)
                        : new errors/* CommandError */.Qd(command.shown, null, '', `could not start: ${error.message}`));
                    return;
                }
                channel = opened;
                if (settled) {
                    opened.close();
                    return;
                }
                opened.on('data', (chunk) => {
                    stdout.push(chunk);
                    toStdout(chunk);
                });
                opened.stderr.on('data', (chunk) => {
                    stderr.push(chunk);
                    toStderr(chunk);
                });
                opened.on('exit', (exitCode, exitSignal) => {
                    code = exitCode;
                    if (exitSignal) {
                        signal = exitSignal;
                        code = null;
                    }
                });
                opened.on('close', () => {
                    if (timedOut) {
                        return;
                    }
                    // The remote `timeout` may stop the command just before the local timer fires.
                    if (timeoutMs > 0 &&
                        REMOTE_TIMEOUT_STATUSES.has(code ?? -1) &&
                        Date.now() - started >= timeoutMs * 0.9) {
                        finish(timeoutError());
                        return;
                    }
                    finish(undefined);
                });
                opened.on('error', (channelError) => finish(new errors/* CommandError */.Qd(command.shown, null, '', `channel error: ${channelError.message}`)));
                opened.end(options.stdin ?? undefined);
            });
        }
        catch (error) {
            finish(error);
        }
    });
}
/** Throws CommandError for a non-zero status unless failures are allowed. */
function checkResult(command, raw, allowFailure) {
    if (raw.code === 0 || allowFailure) {
        return;
    }
    const detail = raw.signal
        ? `killed by signal ${raw.signal}`
        : raw.code === null
            ? 'no exit status'
            : undefined;
    throw new errors/* CommandError */.Qd(command.shown, raw.code, outputTail(raw.stderr, raw.stdout, command.secrets), detail);
}

;// CONCATENATED MODULE: ./shared/ssh/forward.ts
/**
 * Local port forwarding: a TCP listener on 127.0.0.1 only (never on other interfaces, so nothing on
 * the network can use the tunnel) whose connections are piped to direct-tcpip channels.
 */

async function forwardLocal(client, remoteHost, remotePort, reporter) {
    const sockets = new Set();
    const server = (0,external_node_net_.createServer)((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => socket.destroy());
        socket.pause();
        client.forwardOut('127.0.0.1', socket.remotePort ?? 0, remoteHost, remotePort, (error, stream) => {
            if (error) {
                reporter.debug(`Forward to ${remoteHost}:${remotePort} refused: ${error.message}`);
                socket.destroy();
                return;
            }
            stream.on('error', () => socket.destroy());
            stream.on('close', () => socket.destroy());
            socket.on('close', () => stream.close());
            socket.pipe(stream).pipe(socket);
            socket.resume();
        });
    });
    await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
            server.removeListener('error', reject);
            resolve();
        });
    });
    const address = server.address();
    if (address === null || typeof address === 'string') {
        server.close();
        throw new Error('The local forward listener has no TCP address.');
    }
    let closing;
    const close = () => {
        closing ??= new Promise((resolve) => {
            for (const socket of sockets) {
                socket.destroy();
            }
            server.close(() => resolve());
        });
        return closing;
    };
    return { port: address.port, close };
}

;// CONCATENATED MODULE: ./shared/ssh/sftp.ts
/**
 * File transfer over SFTP. Uploads are atomic: the content goes to a temporary file in the target's
 * directory and is renamed over the target, so a reader never sees half a file.
 */


/** SFTP status code for a path that does not exist. */
const NO_SUCH_FILE = 2;
function isMissingFileError(error) {
    return error?.code === NO_SUCH_FILE;
}
/** A name next to `path` that no other writer uses. */
function temporarySibling(path) {
    return external_node_path_.posix.join(external_node_path_.posix.dirname(path), `.${external_node_path_.posix.basename(path)}.indicovm-${(0,external_node_crypto_.randomBytes)(6).toString('hex')}`);
}
function call(start) {
    return new Promise((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));
}
/** Writes a new file (failing if the path exists, so a planted symlink is never followed). */
async function writeNewFile(sftp, path, content, mode) {
    const handle = await call((done) => sftp.open(path, 'wx', { mode }, done));
    try {
        let offset = 0;
        while (offset < content.length) {
            // Chunked writes: one SFTP packet carries at most about 32 KiB.
            const length = Math.min(32 * 1024, content.length - offset);
            await call((done) => sftp.write(handle, content, offset, length, offset, done));
            offset += length;
        }
        // The server's umask applies at open; the asked-for mode is set explicitly.
        await call((done) => sftp.fchmod(handle, mode, done));
    }
    finally {
        await call((done) => sftp.close(handle, done));
    }
}
async function removeQuietly(sftp, path) {
    await call((done) => sftp.unlink(path, done)).catch(() => undefined);
}
/** Renames over an existing target (POSIX rename), which plain SFTP v3 rename refuses to do. */
async function replace(sftp, from, to) {
    try {
        await call((done) => sftp.ext_openssh_rename(from, to, done));
    }
    catch (error) {
        if (!/not supported/i.test(error.message)) {
            throw error;
        }
        await removeQuietly(sftp, to);
        await call((done) => sftp.rename(from, to, done));
    }
}
async function uploadAtomic(sftp, content, path, mode) {
    const staged = temporarySibling(path);
    try {
        await writeNewFile(sftp, staged, content, mode);
        await replace(sftp, staged, path);
    }
    catch (error) {
        await removeQuietly(sftp, staged);
        throw error;
    }
}
function readRemoteFile(sftp, path) {
    return call((done) => sftp.readFile(path, done));
}

;// CONCATENATED MODULE: ./shared/ssh/session.ts
/**
 * A logged-in SSH session to one machine: commands, scripts, files and tunnels. It is what the image
 * build (provisioning) and action-manage talk to a VM through.
 *
 * Over 300 lines: SshSession is the one object commands, scripts, uploads, downloads and tunnels go
 * through, each a thin method over exec.ts, sftp and forward.ts that needs the session's connection
 * state (reconnects, the jump host, closing); establish() opens that connection.
 */










const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
const DEFAULT_KEEPALIVE_MS = 15_000;
/** The exit status the sudo read uses for "no such file" (a cat failure is 1). */
const MISSING_STATUS = 66;
/** Opens the jump host (if any), then the target, each verified against its own pins. */
async function establish(options, policies, reporter) {
    const readyTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const keepaliveIntervalMs = options.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_MS;
    const where = endpointName(options);
    const via = options.via;
    const proxyEndpoint = options.proxy;
    const proxyPolicy = policies.proxy;
    const openTarget = (sock) => openClient({
        endpoint: options,
        policy: policies.target,
        readyTimeoutMs,
        keepaliveIntervalMs,
        reporter,
        sock,
    });
    if (via || !proxyEndpoint || !proxyPolicy) {
        // Directly, or through a tunnel another session holds open (a shared jump host).
        const label = via ? `${where} through ${via.where}` : where;
        const opened = await withRetries(label, options.retry, reporter, async () => openTarget(via ? await via.tunnel(options.host, options.port ?? 22) : undefined));
        return { client: opened.client, hostKey: opened.hostKey };
    }
    const proxyWhere = endpointName(proxyEndpoint);
    return withRetries(`${where} through ${proxyWhere}`, options.retry, reporter, async () => {
        const proxy = await openClient({
            endpoint: proxyEndpoint,
            policy: proxyPolicy,
            readyTimeoutMs,
            keepaliveIntervalMs,
            reporter,
            inputPrefix: 'proxy-',
        });
        try {
            const stream = await tunnelThrough(proxy.client, proxyWhere, options.host, options.port ?? 22);
            const target = await openTarget(stream);
            // Losing the jump host loses the target too.
            proxy.client.on('close', () => target.client.end());
            return {
                client: target.client,
                proxy: proxy.client,
                hostKey: target.hostKey,
                proxyHostKey: proxy.hostKey,
            };
        }
        catch (error) {
            proxy.client.end();
            throw error;
        }
    });
}
/** A direct-tcpip channel from a jump host to host:port, to run a second SSH connection over. */
function tunnelThrough(client, jumpWhere, host, port) {
    return new Promise((resolve, reject) => client.forwardOut('127.0.0.1', 0, host, port, (error, channel) => error ? reject(forwardError(jumpWhere, endpointName({ host, port }), error)) : resolve(channel)));
}
/**
 * A target that is still booting refuses the jump host's connection, which is worth another attempt;
 * a jump host that forbids forwarding is not.
 */
function forwardError(proxyWhere, where, cause) {
    const error = new Error(`The jump host ${proxyWhere} could not reach ${where}: ${cause.message}`);
    const transient = /connect failed|refused|timed out|unreachable/i.test(cause.message);
    return transient && !/prohibited/i.test(cause.message)
        ? Object.assign(error, { code: 'ECONNREFUSED' })
        : error;
}
function policyFor(endpoint, inputPrefix) {
    return new HostKeyPolicy(endpoint.host, endpoint.port ?? 22, endpoint, inputPrefix);
}
/** Connects, verifies the host key and logs in; retries while the server is not answering yet. */
async function connect(options, reporter) {
    for (const secret of [
        options.password,
        options.passphrase,
        options.proxy?.password,
        options.proxy?.passphrase,
    ]) {
        if (secret) {
            reporter.mask(secret.reveal());
        }
    }
    // Pins are checked before any network traffic: a missing pin is an input error.
    const policies = {
        target: policyFor(options, ''),
        ...(options.proxy ? { proxy: policyFor(options.proxy, 'proxy-') } : {}),
    };
    const connection = await establish(options, policies, reporter);
    return new SshSession(options, reporter, connection);
}
class SshSession {
    options;
    reporter;
    where;
    #connection;
    #closed = false;
    #lostReason;
    #sftp;
    #forwards = new Set();
    /** Use connect(). */
    constructor(options, reporter, connection) {
        this.options = options;
        this.reporter = reporter;
        this.where = endpointName(options);
        this.#connection = connection;
        this.#watch(connection);
    }
    get username() {
        return this.options.username;
    }
    /** The host key this session verified (type and SHA256 fingerprint are derived from it). */
    get hostKey() {
        return this.#connection.hostKey;
    }
    get connected() {
        return !this.#closed && this.#lostReason === undefined;
    }
    #watch(connection) {
        const { client } = connection;
        client.on('error', (error) => {
            this.#lostReason ??= error.message;
            this.reporter.debug(`SSH connection to ${this.where}: ${error.message}`);
        });
        client.on('close', () => {
            if (this.#connection === connection) {
                this.#lostReason ??= 'the server closed the connection';
                this.#sftp = undefined;
            }
        });
    }
    #client(during) {
        if (this.#closed) {
            throw new Error(`The SSH session to ${this.where} is closed.`);
        }
        if (this.#lostReason !== undefined) {
            throw new SshConnectionLostError(this.where, during, this.#lostReason);
        }
        return this.#connection.client;
    }
    async #run(argv, options) {
        const timeoutMs = options.timeoutMs ?? this.options.commandTimeoutMs ?? 0;
        const command = buildCommand(argv, {
            sudo: options.sudo,
            env: options.env,
            username: this.username,
            timeoutMs,
        });
        const client = this.#client(`before ${command.shown}`);
        command.secrets.forEach((secret) => this.reporter.mask(secret));
        this.reporter.debug(`${this.where}$ ${command.shown}`);
        const raw = await runCommand(client, command, { ...options, timeoutMs }, this.where);
        checkResult(command, raw, options.allowFailure);
        return { raw, shown: command.shown };
    }
    /** Runs argv (quoted by shared/shell/quote.ts); throws CommandError on a non-zero status. */
    async exec(argv, options = {}) {
        const { raw } = await this.#run(argv, options);
        return {
            code: raw.code,
            ...(raw.signal !== undefined ? { signal: raw.signal } : {}),
            stdout: raw.stdout.toString('utf8'),
            stderr: raw.stderr.toString('utf8'),
        };
    }
    /** Sends a shell script to `sh -s` on stdin; `set -e` and the like are up to the script. */
    runScript(script, options = {}) {
        const { args = [], ...rest } = options;
        return this.exec(['sh', '-s', '--', ...args], { ...rest, stdin: script });
    }
    #sftpChannel() {
        const client = this.#client('before a file transfer');
        this.#sftp ??= new Promise((resolve, reject) => client.sftp((error, sftp) => (error ? reject(error) : resolve(sftp)))).catch((error) => {
            this.#sftp = undefined;
            throw error;
        });
        return this.#sftp;
    }
    #needsSudo(sudo) {
        return sudo === true && this.username !== 'root';
    }
    /** Writes a file atomically with the given mode; through sudo, a private temporary file is installed. */
    async upload(content, remotePath, options = {}) {
        if (!external_node_path_.posix.isAbsolute(remotePath)) {
            throw new Error(`The remote path ${JSON.stringify(remotePath)} must be absolute.`);
        }
        const mode = options.mode ?? 0o644;
        const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
        const sftp = await this.#sftpChannel();
        if (!this.#needsSudo(options.sudo) && options.owner === undefined && options.group === undefined) {
            await uploadAtomic(sftp, data, remotePath, mode);
            return;
        }
        // Only this user can read the temporary copy, even when the final file is to be secret.
        const privateCopy = `/tmp/.indicovm-upload-${(0,external_node_crypto_.randomBytes)(8).toString('hex')}`;
        await writeNewFile(sftp, privateCopy, data, 0o600);
        try {
            // $1 mode, $2 private copy, $3 staging name beside the target, $4 target, $5 owner, $6 group.
            const script = [
                // The private copy goes in the same command, so a connection lost later leaves no copy behind.
                'install -m "$1" ${5:+-o "$5"} ${6:+-g "$6"} -- "$2" "$3" || { rm -f -- "$2"; exit 1; }',
                'rm -f -- "$2"',
                'mv -f -- "$3" "$4" || { rm -f -- "$3"; exit 1; }',
            ].join('\n');
            const argv = [
                'sh',
                '-c',
                script,
                'sh',
                mode.toString(8),
                privateCopy,
                temporarySibling(remotePath),
                remotePath,
            ];
            await this.exec([...argv, options.owner ?? '', options.group ?? ''], { sudo: options.sudo });
        }
        finally {
            await removeQuietly(sftp, privateCopy);
        }
    }
    /** The content of a remote file; through sudo (non-root) it is read with `cat`. */
    async download(remotePath, options = {}) {
        const content = await this.readFile(remotePath, options);
        if (content === undefined) {
            throw new errors/* CommandError */.Qd(`download ${remotePath}`, null, '', 'no such file');
        }
        return content;
    }
    /** Like download, but undefined when the file does not exist. */
    async readFile(remotePath, options = {}) {
        if (this.#needsSudo(options.sudo)) {
            const script = `[ -e "$1" ] || exit ${MISSING_STATUS}; exec cat -- "$1"`;
            const { raw } = await this.#run(['sh', '-c', script, 'sh', remotePath], {
                sudo: true,
                allowFailure: true,
            });
            if (raw.code === MISSING_STATUS) {
                return undefined;
            }
            checkResult(buildCommand(['cat', '--', remotePath], { sudo: true, username: this.username }), raw, false);
            return raw.stdout;
        }
        const sftp = await this.#sftpChannel();
        try {
            return await readRemoteFile(sftp, remotePath);
        }
        catch (error) {
            if (isMissingFileError(error)) {
                return undefined;
            }
            throw new errors/* CommandError */.Qd(`download ${remotePath}`, null, '', error.message);
        }
    }
    /** A tunnel from a free port on 127.0.0.1 to remoteHost:remotePort as seen from the server. */
    async forwardLocal(remoteHost, remotePort) {
        const forward = await forwardLocal(this.#client('before opening a tunnel'), remoteHost, remotePort, this.reporter);
        const tracked = {
            port: forward.port,
            close: async () => {
                this.#forwards.delete(tracked);
                await forward.close();
            },
        };
        this.#forwards.add(tracked);
        return tracked;
    }
    /** A channel from this host to host:port (as `ssh -J` uses a jump host), for another session. */
    tunnel(host, port) {
        if (this.#closed) {
            return Promise.reject(new Error(`The SSH session to ${this.where} is closed.`));
        }
        return tunnelThrough(this.#connection.client, this.where, host, port);
    }
    /**
     * Opens the connection again after it was lost, accepting only the host keys verified the first
     * time (so a first contact with insecure-accept-host-key does not accept a second, different key).
     */
    async reconnect() {
        if (this.#closed) {
            throw new Error(`The SSH session to ${this.where} is closed.`);
        }
        await this.#closeForwards();
        this.#connection.client.end();
        this.#connection.proxy?.end();
        const previous = this.#connection;
        const policies = {
            target: HostKeyPolicy.pinnedTo(this.options.host, this.options.port ?? 22, previous.hostKey),
            ...(this.options.proxy && previous.proxyHostKey
                ? {
                    proxy: HostKeyPolicy.pinnedTo(this.options.proxy.host, this.options.proxy.port ?? 22, previous.proxyHostKey),
                }
                : {}),
        };
        const connection = await establish(this.options, policies, this.reporter);
        this.#connection = connection;
        this.#lostReason = undefined;
        this.#sftp = undefined;
        this.#watch(connection);
        this.reporter.debug(`Reconnected to ${this.where}`);
    }
    async #closeForwards() {
        await Promise.all([...this.#forwards].map((forward) => forward.close()));
    }
    async close() {
        if (this.#closed) {
            return;
        }
        this.#closed = true;
        await this.#closeForwards();
        const { client, proxy } = this.#connection;
        if (this.#lostReason !== undefined) {
            client.end();
            proxy?.end();
            return;
        }
        await new Promise((resolve) => {
            const timer = setTimeout(resolve, 2000);
            client.once('close', () => {
                clearTimeout(timer);
                resolve();
            });
            client.end();
        });
        proxy?.end();
    }
}

;// CONCATENATED MODULE: ./shared/ssh/from-options.ts
/**
 * The SSH engine's options from the resolved ssh option group (shared/options/catalog/ssh.ts), so the
 * build and manage commands build their connection the same way.
 */


const KNOWN_HOSTS = {
    what: 'known_hosts text (host key-type base64-key)',
    // One entry on its own: "host[,host] type key", perhaps with a marker or a comment.
    isText: (line) => /^[@#]|\s(ssh-|ecdsa-|sk-)/.test(line),
};
/**
 * @param agentSocket SSH_AUTH_SOCK of the caller's environment: the agent is offered when it is set.
 */
function sshConnectOptions(values, agentSocket, overrides = {}) {
    if (!values.host) {
        throw new errors/* ConfigurationError */.j1('host is required to connect over SSH.');
    }
    const agent = agentSocket ? { agent: agentSocket } : {};
    let proxy;
    if (values.proxyHost) {
        // One key for both hops is the common case (the same user on a bastion and its VMs): ssh-key, with
        // its passphrase, serves the jump host unless proxy-ssh-key names a key of its own.
        const proxyKey = values.proxySshKey
            ? { privateKey: values.proxySshKey, keyInput: 'proxy-ssh-key' }
            : values.sshKey
                ? {
                    privateKey: values.sshKey,
                    keyInput: 'ssh-key',
                    ...(values.sshKeyPassphrase ? { passphrase: values.sshKeyPassphrase } : {}),
                }
                : {};
        proxy = {
            host: values.proxyHost,
            port: values.proxyPort,
            username: values.proxyUsername ?? values.sshUsername,
            ...proxyKey,
            fingerprint: values.proxyFingerprint,
            insecureAcceptHostKey: values.insecureAcceptHostKey,
            ...agent,
        };
    }
    return {
        host: values.host,
        port: values.port,
        username: values.sshUsername,
        ...(values.sshKey ? { privateKey: values.sshKey } : {}),
        ...(values.sshKeyPassphrase ? { passphrase: values.sshKeyPassphrase } : {}),
        ...(values.sshPassword ? { password: values.sshPassword } : {}),
        ...(values.hostKeys ? { hostKeys: values.hostKeys } : {}),
        fingerprint: values.fingerprint,
        ...(values.knownHosts ? { knownHosts: textOrFile(values.knownHosts, 'known-hosts', KNOWN_HOSTS) } : {}),
        insecureAcceptHostKey: values.insecureAcceptHostKey,
        ...agent,
        ...(proxy ? { proxy } : {}),
        connectTimeoutMs: values.timeout * 1000,
        commandTimeoutMs: values.commandTimeout * 1000,
        ...overrides,
    };
}

;// CONCATENATED MODULE: ./shared/ssh/index.ts





;// CONCATENATED MODULE: ./shared/image/vm.ts
/** Booting a disk with a NoCloud seed and reaching it over SSH: shared by the build, its verify boot and run-image. */









/** The qemu settings a build, its verify boot and run-image take from their options. */
function machineSettings(options, accelerator) {
    return {
        binary: options.qemuBinary,
        accelerator,
        memory: options.memory,
        cpus: options.cpus,
        extraArgs: options.qemuArgs,
    };
}
function writeSeed(workDir, fileName, options) {
    const seed = renderNoCloudSeed(options);
    const seedFile = (0,external_node_path_.join)(workDir, fileName);
    // It holds the host private key and the password hash.
    (0,external_node_fs_.writeFileSync)(seedFile, seed.iso, { mode: 0o600 });
    return { seed, seedFile };
}
async function bootVm(request, ledger, reporter, forwards) {
    (0,external_node_fs_.writeFileSync)(request.serialLog, '');
    return startQemu({
        machine: {
            binary: request.machine.binary,
            accelerator: request.machine.accelerator,
            memory: request.machine.memory,
            cpus: request.machine.cpus,
            disk: request.disk,
            diskFormat: request.diskFormat ?? 'qcow2',
            seed: request.seedFile,
            serialLog: request.serialLog,
            pidFile: (0,external_node_path_.join)(request.workDir, `${request.name}.pid`),
            monitorSocket: (0,external_node_path_.join)(request.workDir, `${request.name}.monitor`),
            extraArgs: request.machine.extraArgs,
        },
        ...(forwards.guestPorts ? { guestPorts: forwards.guestPorts } : {}),
        ...(forwards.fixed ? { fixedForwards: forwards.fixed } : {}),
        stderrFile: (0,external_node_path_.join)(request.workDir, `${request.name}.qemu.log`),
        label: `${request.name} VM`,
    }, ledger, reporter);
}
/** The failure of a VM that never answered: says why and shows the end of its serial console. */
class VmNotReachableError extends errors/* CommandError */.Qd {
    name = 'VmNotReachableError';
}
/**
 * Readiness is "an SSH login with the pinned host key works", not an open port: qemu's user network
 * accepts TCP long before sshd runs. Retries until the deadline; a wrong host key ends it at once.
 */
async function waitForSsh(qemu, seed, serialLog, timeoutMs, reporter, 
/** The option that named the disk, for the hint when nothing booted. */
imageOption = 'base-image') {
    const port = qemu.hostPort(22);
    const progress = {
        label: `Waiting for SSH on 127.0.0.1:${port}`,
        unit: 'time',
        detail: () => consoleDetail(serialLog),
    };
    return withProgress(reporter, progress, () => sshWhenReady(qemu, seed, serialLog, port, timeoutMs, reporter, imageOption));
}
async function sshWhenReady(qemu, seed, serialLog, port, timeoutMs, reporter, imageOption) {
    const started = Date.now();
    const deadline = started + timeoutMs;
    let lastError = 'no attempt finished';
    for (;;) {
        const remaining = deadline - Date.now();
        if (!qemu.running) {
            throw new VmNotReachableError('qemu', qemu.exitCode ?? null, serialLogTail(serialLog), `qemu exited before SSH answered (${qemu.stderr() || 'no message'}). Last lines of the serial console (${serialLog})`);
        }
        if (remaining <= 0) {
            const consoleTail = serialLogTail(serialLog);
            const hint = /^\(the serial log is empty\)$|^\(no serial log\)$/.test(consoleTail)
                ? ' Nothing was written to the serial console: the disk did not boot an operating system that logs to ttyS0 ' +
                    `(is ${imageOption} a bootable cloud image?).`
                : '';
            throw new VmNotReachableError(`ssh ${seed.buildUser}@127.0.0.1 -p ${port}`, null, consoleTail, `the VM did not answer SSH within ${Math.round(timeoutMs / 1000)} s (last error: ${lastError}).${hint} ` +
                `Last lines of the serial console (${serialLog})`);
        }
        try {
            const session = await connect({
                host: '127.0.0.1',
                port,
                username: seed.buildUser,
                privateKey: seed.buildKey.privateKey,
                hostKeys: seed.hostKey.publicKey,
                connectTimeoutMs: Math.max(5000, Math.min(20_000, remaining)),
                retry: { attempts: 1 },
            }, reporter);
            return session;
        }
        catch (error) {
            if (error instanceof HostKeyMismatchError) {
                throw error;
            }
            lastError = (0,errors/* errorMessage */.gJ)(error).split('\n')[0] ?? '';
            reporter.debug(`SSH not ready yet: ${lastError}`);
        }
        await (0,external_node_timers_promises_.setTimeout)(Math.min(2000, Math.max(0, deadline - Date.now())));
    }
}
/** Streams a command's output to the reporter line by line. */
class LineSink {
    emit;
    #partial = '';
    constructor(emit) {
        this.emit = emit;
    }
    write = (text) => {
        const lines = (this.#partial + text).split('\n');
        this.#partial = lines.pop() ?? '';
        for (const line of lines) {
            this.emit(line.replace(/\r$/, ''));
        }
    };
    flush() {
        if (this.#partial) {
            this.emit(this.#partial);
            this.#partial = '';
        }
    }
}

;// CONCATENATED MODULE: ./shared/image/provision.ts
/**
 * What the build runs in the VM besides the recipe's own steps: the files to upload, the recipe and
 * provision scripts as steps, the network config and the wheelhouse, all read up front; and how one
 * step runs.
 */








/** Everything read from local files up front, so a missing file fails before a VM is started. */
function readProvisionInputs(options, cwd) {
    const files = options.files.map((entry) => {
        const at = entry.indexOf(':/');
        const local = (0,external_node_path_.resolve)(cwd, entry.slice(0, at));
        if (!(0,external_node_fs_.existsSync)(local) || !(0,external_node_fs_.statSync)(local).isFile()) {
            throw new errors/* ConfigurationError */.j1(`Option 'files': ${local} (from "${entry}") is not a file.`);
        }
        return { local, remote: entry.slice(at + 1) };
    });
    const steps = [];
    if (options.recipe === 'indico') {
        steps.push({
            title: 'Recipe: the Indico stack',
            name: 'recipe indico',
            script: renderRecipe(readPemInputs(options)).script,
        });
    }
    options.provisionScript.forEach((path, index) => {
        const full = (0,external_node_path_.resolve)(cwd, path);
        let script;
        try {
            script = (0,external_node_fs_.readFileSync)(full, 'utf8');
        }
        catch (error) {
            throw new errors/* ConfigurationError */.j1(`Option 'provision-script': cannot read ${full} (${(0,errors/* errorMessage */.gJ)(error)}).`);
        }
        steps.push({
            title: `Provision script ${index + 1}: ${(0,external_node_path_.basename)(full)}`,
            name: `provision-script ${path}`,
            script,
        });
    });
    let networkConfig;
    if (options.networkConfig) {
        const full = (0,external_node_path_.resolve)(cwd, options.networkConfig);
        try {
            networkConfig = (0,external_node_fs_.readFileSync)(full, 'utf8');
        }
        catch (error) {
            throw new errors/* ConfigurationError */.j1(`Option 'network-config': cannot read ${full} (${(0,errors/* errorMessage */.gJ)(error)}).`);
        }
    }
    // A URL is fetched by the recipe in the VM; a local wheelhouse is sent before the recipe runs.
    const wheelhouse = options.pythonWheelhouse !== undefined && !isWheelhouseUrl(options.pythonWheelhouse)
        ? wheelhouseSource(options.pythonWheelhouse, cwd)
        : undefined;
    return {
        files,
        steps,
        ...(networkConfig !== undefined ? { networkConfig } : {}),
        ...(wheelhouse !== undefined ? { wheelhouse } : {}),
    };
}
/** Runs one script as root, streaming its output; a failure names the step. */
async function runProvisionStep(session, step, reporter) {
    const out = new LineSink((line) => reporter.relay(line));
    const err = new LineSink((line) => reporter.relay(line));
    const started = Date.now();
    try {
        await session.runScript(step.script, { sudo: true, onStdout: out.write, onStderr: err.write });
    }
    catch (error) {
        if (error instanceof errors/* CommandError */.Qd) {
            throw new errors/* CommandError */.Qd(step.name, error.exitCode, error.outputTail, 'in the build VM');
        }
        throw error;
    }
    finally {
        out.flush();
        err.flush();
    }
    reporter.info(`${step.name}: done in ${(0,report_reporter/* formatDuration */.a)(Date.now() - started)}`);
}
/** Uploads the `files` entries as root, each with its local mode. */
async function uploadFiles(session, files, reporter) {
    for (const file of files) {
        const mode = (0,external_node_fs_.statSync)(file.local).mode & 0o777;
        await session.upload((0,external_node_fs_.readFileSync)(file.local), file.remote, { sudo: true, mode });
        reporter.info(`${file.local} → ${file.remote}`);
    }
}

;// CONCATENATED MODULE: ./shared/image/seal.ts
/**
 * Sealing: what virt-sysprep's default operations do, done from inside the guest over SSH, so that
 * every VM made from the image is a new machine (own machine-id, host keys, cloud-init instance and
 * per-instance secrets) and nothing of the build is left (user, keys, history, logs, caches).
 *
 * Two parts. The first runs in the build's SSH session and fails loudly. The second must outlive that
 * session, because it deletes the user the session is logged in as: a transient systemd unit runs it
 * after we disconnect, then powers the guest off, and reports on the serial console whether every step
 * worked (the host reads that line back from the serial log).
 */




const SEAL_OK = 'indicovm-seal: ok';
const SEAL_FAILED = 'indicovm-seal: failed';
const SEAL_NOTE = 'indicovm-seal: note:';
const FINAL_SEAL_PATH = '/run/indicovm-seal-final.sh';
const FINAL_SEAL_UNIT = 'indicovm-seal-final';
/** History files of shells and interactive tools, relative to a home folder. */
const HISTORY_FILES = [
    '.bash_history',
    '.sh_history',
    '.ash_history',
    '.zsh_history',
    '.zhistory',
    '.histfile',
    '.history',
    '.local/share/fish/fish_history',
    '.python_history',
    '.node_repl_history',
    '.psql_history',
    '.mysql_history',
    '.sqlite_history',
    '.rediscli_history',
    '.lesshst',
    '.viminfo',
    '.wget-hsts',
];
/** Every home folder: the passwd database's (system users such as postgres have one too), root's and /home/*. */
const HOME_FOLDERS_COMMAND = "{ getent passwd | cut -d: -f6; printf '%s\\n' /root /home/*; } | sort -u";
/**
 * Shell code that removes every user's history files. Runs in both parts: a shell that logs out after
 * the first part writes its history then. The paths are listed by the shell's printf builtin and
 * removed by one rm: an rm per file is hundreds of processes, seconds under emulation.
 */
function historyRemoval(homesCommand = HOME_FOLDERS_COMMAND) {
    return `${homesCommand} | while IFS= read -r home; do
  [ -d "$home" ] || continue
  for name in ${HISTORY_FILES.join(' ')}; do printf '%s\\0' "$home/$name"; done
done | xargs -0 rm -f --
`;
}
/** Runs as root through sudo in the build session. */
function sealScript() {
    return `set -eu
step() { printf '== %s\\n' "$*"; }

step 'cloud-init clean'
if command -v cloud-init >/dev/null 2>&1; then
  # --machine-id and --seed are newer than some distributions' cloud-init.
  cloud-init clean --logs --seed --machine-id 2>/dev/null || cloud-init clean --logs --seed 2>/dev/null || cloud-init clean --logs
fi

step 'machine-id'
# Empty rather than missing: systemd then makes a new one on the next boot, as on a fresh cloud image.
: > /etc/machine-id
chmod 0444 /etc/machine-id
if [ -f /var/lib/dbus/machine-id ] && [ ! -L /var/lib/dbus/machine-id ]; then rm -f /var/lib/dbus/machine-id; fi

step 'SSH host keys'
rm -f /etc/ssh/ssh_host_*

step 'package caches'
if command -v apt-get >/dev/null 2>&1; then apt-get clean; rm -rf /var/lib/apt/lists/*; fi
if command -v dnf >/dev/null 2>&1; then dnf clean all >/dev/null; fi
if command -v yum >/dev/null 2>&1; then yum clean all >/dev/null 2>&1 || true; fi
# python-wheelhouse: the build's wheels (the image keeps what pip installed from them).
rm -rf ${WHEELHOUSE_PARENT}

step 'build-time apt setting'
# The seed relaxed apt's Release expiry check for the build only; the image keeps the distribution's default.
conf=/etc/apt/apt.conf.d/94cloud-init-config
if [ -f "$conf" ] && [ "$(cat "$conf")" = 'Acquire::Check-Valid-Until "false";' ]; then rm -f "$conf"; fi

step 'DHCP leases'
rm -rf /var/lib/dhcp/* /var/lib/dhclient/* /var/lib/NetworkManager/*.lease /var/lib/systemd/network/* 2>/dev/null || true

step 'per-instance state'
# The first-boot unit regenerates the per-instance secrets on every clone when this stamp is missing.
rm -f /var/lib/indicovm/firstboot.done
rm -f /var/lib/systemd/random-seed /var/lib/systemd/credential.secret
rm -rf /root/.ssh /root/.cache

step 'shell history'
${historyRemoval()}`;
}
/**
 * Runs as a transient root unit once the build session is gone: removes the build user and what
 * only it could not remove while logged in, empties /tmp and the logs, trims, powers off.
 */
function finalSealScript(buildUser) {
    const user = quote(buildUser);
    return `set -u
console=/dev/ttyS0
[ -w "$console" ] || console=/dev/console
fail() { printf '\\n${SEAL_FAILED} %s\\n' "$*" > "$console" 2>/dev/null; sync; systemctl poweroff; exit 1; }
# The build session is closing. logind would keep the user's manager (systemd --user) running for
# UserStopDelaySec (10 s) after it: it is stopped now, and what is left after 2 s is killed.
gone() { ! pgrep -u ${user} >/dev/null 2>&1; }
waitgone() { i=0; until gone || [ $i -ge 20 ]; do sleep 0.1; i=$((i + 1)); done; }
loginctl terminate-user ${user} 2>/dev/null
waitgone
pkill -KILL -u ${user} 2>/dev/null; waitgone
if getent passwd ${user} >/dev/null; then
  home=$(getent passwd ${user} | cut -d: -f6)
  # Status 12: the mail spool or home could not be removed; the rm below handles the home.
  userdel -r ${user} 2>/dev/null || [ $? -eq 12 ] || fail 'userdel ${buildUser}'
  case "$home" in /home/?*) rm -rf -- "$home" ;; esac
fi
getent passwd ${user} >/dev/null && fail 'the build user still exists'
if getent group ${user} >/dev/null; then groupdel ${user} 2>/dev/null || true; fi
rm -f /etc/sudoers.d/90-cloud-init-users
find /tmp /var/tmp -mindepth 1 -delete 2>/dev/null
find /var/log -type f \\( -name '*.gz' -o -name '*.[0-9]' -o -name '*.old' -o -name '*.journal~' \\) -delete 2>/dev/null
# journald maps its files: they are rotated and vacuumed, never truncated under it. -c: without
# O_CREAT, as fs.protected_regular refuses root an O_CREAT open of another user's file in a sticky
# group-writable folder (Debian's /var/log/postgresql, 1775 root:postgres).
# A file that vanishes or is recreated meanwhile is not worth failing the build for: it is noted.
if ! out=$(find /var/log -path /var/log/journal -prune -o -type f -exec truncate -c -s 0 {} + 2>&1); then
  printf '\\n${SEAL_NOTE} %s\\n' "$(echo "$out" | tr '\\n' ' ')" > "$console"
fi
if command -v journalctl >/dev/null 2>&1; then
  journalctl --rotate >/dev/null 2>&1; journalctl --vacuum-time=1s >/dev/null 2>&1
fi
rm -f /etc/ssh/ssh_host_*
${historyRemoval()}rm -f ${FINAL_SEAL_PATH}
fstrim -av > "$console" 2>&1 || true
sync
printf '\\n${SEAL_OK}\\n' > "$console"
systemctl poweroff
`;
}
/** What the serial console said about the last sealing step; a failure or no power-off throws. */
function checkSealResult(sealed, serialLog, shutdownTimeout, reporter) {
    const failed = new RegExp(`${SEAL_FAILED} ([^\\r\\n]*)`).exec(sealed.serial);
    if (failed) {
        throw new errors/* CommandError */.Qd('seal', null, serialLogTail(serialLog), `the last sealing step failed: ${failed[1]}`);
    }
    if (!sealed.poweredOff) {
        throw new errors/* CommandError */.Qd('seal', null, serialLogTail(serialLog), `the VM did not power off within ${shutdownTimeout} s (shutdown-timeout), so sealing may be incomplete`);
    }
    for (const note of sealed.serial.matchAll(new RegExp(`${SEAL_NOTE} ([^\\r\\n]*)`, 'g'))) {
        reporter.warning(`Sealing: ${note[1] ?? ''}`);
    }
    if (!sealed.serial.includes(SEAL_OK)) {
        reporter.warning('The VM powered off, but its serial console did not confirm the last sealing step (the image may not log to ttyS0).');
    }
}

;// CONCATENATED MODULE: ./shared/image/cloud-init-wait.ts
/**
 * Waiting for cloud-init to finish in a booted guest. cloud-init writes result.json when its last stage
 * ends; a shell loop sees that file at once, where `cloud-init status --wait` first has to start Python
 * and import cloud-init, which takes seconds under emulation after cloud-init itself is done. The
 * outcome is read from the files `cloud-init status` reads (result.json, status.json). A guest whose
 * generator did not enable cloud-init gets `cloud-init status --wait --long`, which knows every
 * other state.
 */




const CLOUD_INIT_TIMEOUT_MS = 15 * 60_000;
const RESULT_MARK = 'indicovm-cloud-init: result';
const STATUS_MARK = 'indicovm-cloud-init: status';
/** Prints the two JSON files after their marks once result.json exists; otherwise cloud-init's own wait. */
const cloudInitWaitScript = (runDir = '/run/cloud-init') => `set -u
run=${quote(runDir)}
[ -e "$run/enabled" ] || exec cloud-init status --wait --long
until [ -e "$run/result.json" ]; do sleep 0.2; done
printf '%s\\n' '${RESULT_MARK}'; cat "$run/result.json"
printf '\\n%s\\n' '${STATUS_MARK}'; cat "$run/status.json" 2>/dev/null || printf '{}'
`;
const strings = (value) => Array.isArray(value) ? value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))) : [];
/** recoverable_errors (cloud-init >= 23.4) is {LEVEL: [message, ...]}. */
const recoverableOf = (value) => typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.entries(value).flatMap(([level, messages]) => strings(messages).map((m) => `${level}: ${m}`))
    : [];
const v1Of = (json) => {
    const parsed = JSON.parse(json);
    return typeof parsed.v1 === 'object' && parsed.v1 !== null ? parsed.v1 : {};
};
/** The outcome from result.json and status.json, as `cloud-init status` judges it. */
function cloudInitOutcome(resultJson, statusJson) {
    const result = v1Of(resultJson);
    const stages = Object.values(v1Of(statusJson)).filter((stage) => typeof stage === 'object' && stage !== null && !Array.isArray(stage));
    return {
        errors: [...new Set([...strings(result.errors), ...stages.flatMap((stage) => strings(stage.errors))])],
        recoverable: [
            ...new Set([
                ...recoverableOf(result.recoverable_errors),
                ...stages.flatMap((stage) => recoverableOf(stage.recoverable_errors)),
            ]),
        ],
    };
}
/** Splits the wait script's output into the two files; undefined when cloud-init's own wait ran. */
function splitWaitOutput(stdout) {
    const start = stdout.indexOf(`${RESULT_MARK}\n`);
    const middle = stdout.indexOf(`\n${STATUS_MARK}\n`);
    if (start < 0 || middle < start)
        return undefined;
    return {
        result: stdout.slice(start + RESULT_MARK.length + 1, middle),
        status: stdout.slice(middle + STATUS_MARK.length + 2),
    };
}
async function waitForCloudInit(session, reporter, serialLog) {
    const progress = {
        label: 'Waiting for cloud-init',
        unit: 'time',
        ...(serialLog !== undefined ? { detail: () => consoleDetail(serialLog) } : {}),
    };
    const output = await withProgress(reporter, progress, () => session.exec(['sh', '-c', cloudInitWaitScript()], {
        allowFailure: true,
        timeoutMs: CLOUD_INIT_TIMEOUT_MS,
    }));
    const files = output.code === 0 ? splitWaitOutput(output.stdout) : undefined;
    if (files === undefined) {
        judgeStatusCommand(output, reporter);
        return;
    }
    let outcome;
    try {
        outcome = cloudInitOutcome(files.result, files.status);
    }
    catch (error) {
        throw new errors/* CommandError */.Qd("reading cloud-init's result", null, output.stdout.slice(-4000), `result.json or status.json is not JSON (${error.message})`);
    }
    if (outcome.errors.length > 0) {
        throw new errors/* CommandError */.Qd('cloud-init', null, outcome.errors.join('\n').slice(-4000), 'it reported errors');
    }
    if (outcome.recoverable.length > 0) {
        reporter.warning(`cloud-init finished with recoverable errors:\n${outcome.recoverable.join('\n')}`);
    }
    else {
        reporter.relay('status: done');
    }
}
/** `cloud-init status --wait --long`: 0 done, 2 done with recoverable errors (>= 23.4), else failed. */
function judgeStatusCommand(result, reporter) {
    if (result.code === 2) {
        reporter.warning(`cloud-init finished with recoverable errors:\n${result.stdout.trim()}`);
    }
    else if (result.code !== 0) {
        throw new errors/* CommandError */.Qd('cloud-init status --wait', result.code, `${result.stdout}${result.stderr}`.trim().slice(-4000));
    }
    else {
        reporter.relay(result.stdout
            .trim()
            .split('\n')
            .find((line) => line.startsWith('status:')) ?? 'status: done');
    }
}

;// CONCATENATED MODULE: ./shared/image/verify-stack.ts
/**
 * What the verify boot checks inside a new instance of an image made with the recipe, and how it
 * judges the answers: the first boot replaced the image's secrets (compared as SHA-256 hashes, never
 * as values), Redis and PostgreSQL accept the new credentials that indico.conf carries, and the HTTPS
 * answer comes from Indico behind the web server (or, without Indico, is the web server's own error
 * for the missing uWSGI socket).
 */


const SECRET_NAMES = ['REDIS_PASSWORD', 'SECRET_KEY', 'DB_PASSWORD'];
/**
 * Runs as root in the instance (python3 is there: cloud-init needs it). Passwords travel only in the
 * environment of redis-cli and psql; the output is `key=value` lines with states and hashes.
 */
function uwsgiSocket(ctx) {
    return `${ctx.installDir}/web/uwsgi.sock`;
}
function webErrorLog(ctx) {
    return `${ctx.installDir}/log/${ctx.options.webServer === 'nginx' ? 'nginx' : 'apache'}/error.log`;
}
/** argv that prints how many lines of the web server's error log name the uWSGI socket (taken before the probe). */
function upstreamErrorCount(ctx) {
    return [
        'sh',
        '-c',
        'grep -cF -- "$1" "$2" 2>/dev/null || [ -e "$2" ] || echo 0',
        'sh',
        uwsgiSocket(ctx),
        webErrorLog(ctx),
    ];
}
function stackCheckScript(ctx) {
    const socket = uwsgiSocket(ctx);
    const errorLog = webErrorLog(ctx);
    return `set -eu
exec python3 - ${quote(`${ctx.installDir}/etc/indico.conf`)} ${quote(PATHS.secretsEnv)} ${quote(PATHS.replacedSecrets)} ${quote(socket)} ${quote(errorLog)} <<'INDICOVM_PY'
import hashlib, os, stat, subprocess, sys
from urllib.parse import unquote, urlsplit

conf_path, secrets_path, replaced_path, socket_path, error_log = sys.argv[1:6]

def report_errors_by_name_only(kind, value, traceback):
    # A traceback could quote a line of indico.conf, secrets and all: only the exception's name leaves.
    print('error=' + kind.__name__)
    sys.exit(1)

sys.excepthook = report_errors_by_name_only

def pairs(path, sep):
    out = {}
    try:
        with open(path, encoding='utf-8') as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith('#') and sep in line:
                    key, value = line.split(sep, 1)
                    out[key.strip()] = value.strip()
    except FileNotFoundError:
        pass
    return out

def sha256(value):
    return hashlib.sha256(value.encode('utf-8')).hexdigest()

secrets = pairs(secrets_path, '=')
replaced = pairs(replaced_path, ' ')
ns = {}
with open(conf_path, encoding='utf-8') as f:
    exec(compile(f.read(), conf_path, 'exec'), ns)
broker = urlsplit(ns['CELERY_BROKER'])
db = urlsplit(ns['SQLALCHEMY_DATABASE_URI'])
live = {
    'REDIS_PASSWORD': unquote(broker.password or ''),
    'SECRET_KEY': ns['SECRET_KEY'],
    'DB_PASSWORD': unquote(db.password or ''),
}
for name in ('REDIS_PASSWORD', 'SECRET_KEY', 'DB_PASSWORD'):
    if name not in secrets:
        state = 'given'
    elif live[name] != secrets[name]:
        state = 'stale'
    elif name not in replaced:
        state = 'unrecorded'
    elif sha256(secrets[name]) == replaced[name]:
        state = 'unchanged'
    else:
        state = 'regenerated'
    print('secret.%s=%s' % (name, state))
    if name in replaced:
        print('replaced-sha256.%s=%s' % (name, replaced[name]))

def answer(argv, env):
    try:
        done = subprocess.run(argv, env=dict(os.environ, **env), capture_output=True, text=True, timeout=60)
        return done.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ''

pong = answer(['redis-cli', '-h', broker.hostname, '-p', str(broker.port or 6379), 'ping'],
              {'REDISCLI_AUTH': live['REDIS_PASSWORD']})
print('redis=' + ('accepts' if pong == 'PONG' else 'refuses'))
selected = answer(['psql', '-h', db.hostname, '-p', str(db.port or 5432), '-U', unquote(db.username or ''),
                   '-d', db.path.lstrip('/'), '-w', '-Atc', 'SELECT 42'],
                  {'PGPASSWORD': live['DB_PASSWORD'], 'PGCONNECT_TIMEOUT': '10'})
print('postgres=' + ('accepts' if selected == '42' else 'refuses'))

try:
    present = stat.S_ISSOCK(os.stat(socket_path).st_mode)
except FileNotFoundError:
    present = False
print('uwsgi-socket=' + ('present' if present else 'absent'))
try:
    with open(error_log, encoding='utf-8', errors='replace') as f:
        print('upstream-errors=%d' % sum(1 for line in f if socket_path in line))
except FileNotFoundError:
    print('upstream-errors=0')
INDICOVM_PY
`;
}
function parseStackFacts(output) {
    const values = new Map();
    for (const line of output.split('\n')) {
        const at = line.indexOf('=');
        if (at > 0)
            values.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
    }
    const secretState = (name) => {
        const state = values.get(`secret.${name}`);
        const known = ['regenerated', 'unchanged', 'given', 'unrecorded', 'stale'];
        return known.includes(state) ? state : 'unrecorded';
    };
    const replaced = {};
    for (const name of SECRET_NAMES) {
        const digest = values.get(`replaced-sha256.${name}`);
        if (digest !== undefined && /^[0-9a-f]{64}$/.test(digest))
            replaced[name] = digest;
    }
    return {
        secrets: {
            REDIS_PASSWORD: secretState('REDIS_PASSWORD'),
            SECRET_KEY: secretState('SECRET_KEY'),
            DB_PASSWORD: secretState('DB_PASSWORD'),
        },
        replacedSecretsSha256: replaced,
        redisAcceptsNewPassword: values.get('redis') === 'accepts',
        postgresAcceptsNewPassword: values.get('postgres') === 'accepts',
        uwsgiSocket: values.get('uwsgi-socket') === 'present' ? 'present' : 'absent',
        upstreamErrors: Number.parseInt(values.get('upstream-errors') ?? '0', 10) || 0,
    };
}
const SECRET_TEXT = {
    REDIS_PASSWORD: 'the Redis password',
    SECRET_KEY: 'SECRET_KEY',
    DB_PASSWORD: 'the PostgreSQL password',
};
/** Problems with the secrets and credentials of a new instance, each named. */
function secretProblems(facts) {
    const problems = [];
    for (const name of SECRET_NAMES) {
        const what = SECRET_TEXT[name];
        const state = facts.secrets[name];
        if (state === 'unchanged')
            problems.push(`${what} is the image's (the first boot did not replace it)`);
        if (state === 'unrecorded')
            problems.push(`${what}: no record of the image's value, so a fresh one cannot be shown`);
        if (state === 'stale')
            problems.push(`${what} in indico.conf is not the instance's`);
    }
    if (!facts.redisAcceptsNewPassword)
        problems.push('Redis refuses the password in indico.conf');
    if (!facts.postgresAcceptsNewPassword)
        problems.push('PostgreSQL refuses the role and password in indico.conf over 127.0.0.1');
    return problems;
}
/** The answer the web server gives for an absent uWSGI socket: nginx 502, Apache mod_proxy 503. */
function missingUpstreamStatus(webServer) {
    return webServer === 'nginx' ? 502 : 503;
}
/**
 * With Indico installed: 200, or Indico's own 302/303 (a fresh Indico sends `/` to `/bootstrap`); the
 * web server's Host redirect is a 301, its upstream errors 502-504. Without Indico: exactly the web
 * server's error for the missing socket, with the socket absent and the error in its log.
 */
function httpsProblem(ctx, answer, facts) {
    const { status } = answer;
    const server = ctx.options.webServer;
    if (status === 301 || status === 308) {
        return `HTTPS answered ${status} to ${answer.location ?? '?'}: the ${server} vhost redirected the request instead of passing it to Indico`;
    }
    if (ctx.options.installIndico) {
        if (status === 200 || status === 302 || status === 303)
            return undefined;
        return `HTTPS answered ${status}: Indico is not behind ${server} (expected 200, or Indico's 302/303)`;
    }
    const expected = missingUpstreamStatus(server);
    if (status !== expected) {
        return `HTTPS answered ${status}; without Indico (install-indico: false) ${server} answers ${expected} for the absent uWSGI socket`;
    }
    if (facts.uwsgiSocket !== 'absent') {
        return `HTTPS answered ${status} although the uWSGI socket exists (install-indico: false)`;
    }
    if (facts.upstreamErrors === 0) {
        return `HTTPS answered ${status} but the ${server} error log does not name the uWSGI socket: the answer is not the missing-socket error`;
    }
    return undefined;
}

;// CONCATENATED MODULE: ./shared/image/verify.ts
/**
 * The verify boot: the sealed image booted as a new instance would be (an overlay, a new seed with a new
 * host key and another user) and checked for being a new machine, and, after the recipe, for a stack
 * that re-keyed itself on first boot and answers HTTPS.
 */











const VERIFY_USER = 'indicovm-verify';
/** How long a new instance's uWSGI may take to load Indico before a 502-504 counts. */
const INDICO_START_MS = 3 * 60_000;
/**
 * Boots the sealed image as a new instance would be: on an overlay, with a new seed (new host key, a
 * different user), and checks that it became a new machine and that the stack answers.
 */
async function verifyImage(request) {
    const { options, reporter, workDir } = request;
    const overlay = (0,external_node_path_.join)(workDir, 'verify.qcow2');
    const info = await imageInfo(request.image.path);
    await createOverlay(request.image.path, request.image.format, overlay, info.virtualSize);
    const { seed, seedFile } = writeSeed(workDir, `verify-${options.seedName}`, {
        hostname: 'indicovm-verify',
        buildUser: options.sshUsername === VERIFY_USER ? `${VERIFY_USER}2` : VERIFY_USER,
    });
    const serialLog = (0,external_node_path_.join)(request.outputDir, `${options.imageName}.verify.serial.log`);
    const guestPorts = request.recipeRan ? [22, options.httpsPort] : [22];
    const qemu = await bootVm({ name: 'verify', workDir, disk: overlay, seed, seedFile, serialLog, machine: request.machine }, request.ledger, reporter, { guestPorts });
    let session;
    try {
        session = await waitForSsh(qemu, seed, serialLog, options.sshTimeout * 1000, reporter);
        await waitForCloudInit(session, reporter, serialLog);
        const hostKey = fingerprintOf(session.hostKey.blob);
        const machineId = (await session.exec(['cat', '/etc/machine-id'])).stdout.trim();
        const userGone = (await session.exec(['getent', 'passwd', options.sshUsername], { allowFailure: true })).code === 2 &&
            (await session.exec(['test', '-e', `/home/${options.sshUsername}`], { allowFailure: true })).code !== 0;
        const stack = request.recipeRan
            ? await verifyStack(session, qemu.hostPort(options.httpsPort), recipeContext(options), reporter)
            : undefined;
        const result = {
            hostKeyChanged: hostKey !== request.buildHostKeyFingerprint,
            machineIdChanged: machineId !== '' && machineId !== request.buildMachineId,
            buildUserGone: userGone,
            ...(stack?.result ?? {}),
        };
        reporter.info(`Verify boot: ${JSON.stringify(result)}`);
        const problems = [
            result.hostKeyChanged ? '' : 'the SSH host key is the build VM’s',
            result.machineIdChanged ? '' : 'the machine-id is the build VM’s (or empty)',
            result.buildUserGone ? '' : `the build user ${options.sshUsername} still exists`,
            result.firstBootDone === false ? 'the first-boot unit did not finish' : '',
            ...(stack?.problems ?? []),
        ].filter(Boolean);
        if (problems.length > 0) {
            throw new errors/* CommandError */.Qd('verify boot', null, '', problems.join('; '));
        }
        const current = session;
        await qemu.stop(reporter, () => current
            .exec(['systemctl', 'poweroff'], { sudo: true, allowFailure: true, timeoutMs: 10_000 })
            .then(() => undefined), 60_000);
        return result;
    }
    finally {
        await session?.close().catch(() => undefined);
        if (qemu.running) {
            await qemu.stop(reporter);
        }
        (0,external_node_fs_.rmSync)(overlay, { force: true });
    }
}
/**
 * After the first boot of an image made with the recipe: the per-instance secrets are new and work,
 * and HTTPS, asked for BASE_URL's host, answers as Indico (or, without Indico, as the web server does
 * for the absent uWSGI socket).
 */
async function verifyStack(session, httpsHostPort, ctx, reporter) {
    await session.exec(['systemctl', 'is-system-running', '--wait'], {
        allowFailure: true,
        timeoutMs: 10 * 60_000,
    });
    const stamp = await session.exec(['test', '-e', '/var/lib/indicovm/firstboot.done'], {
        sudo: true,
        allowFailure: true,
    });
    const errorsBefore = await session.exec(upstreamErrorCount(ctx), { sudo: true, allowFailure: true });
    const authority = new URL(ctx.baseUrl).host;
    const https = await probeUntilSettled(httpsHostPort, authority, ctx);
    reporter.info(`HTTPS for ${authority} on the forwarded port answered with status ${https.status}` +
        `${https.location ? ` (Location ${https.location})` : ''}, certificate SHA-256 ${https.certificateSha256}.`);
    // After the probe: the web server's error log then holds what it made of the request.
    const check = await session.runScript(stackCheckScript(ctx), {
        sudo: true,
        allowFailure: true,
        timeoutMs: 120_000,
    });
    const found = parseStackFacts(check.stdout);
    // Only what the probe caused counts as its answer.
    const facts = {
        ...found,
        upstreamErrors: found.upstreamErrors - (Number.parseInt(errorsBefore.stdout.trim(), 10) || 0),
    };
    const problems = [
        // Its stderr is not shown: whatever failed there may hold a secret.
        ...(check.code === 0
            ? []
            : [
                `the stack check in the instance failed (${/^error=(\w+)$/m.exec(check.stdout)?.[1] ?? `exit ${check.code}`})`,
            ]),
        ...secretProblems(facts),
    ];
    const httpsIssue = httpsProblem(ctx, https, facts);
    if (httpsIssue)
        problems.push(httpsIssue);
    return {
        result: {
            httpsStatus: https.status,
            httpsHost: authority,
            ...(https.location ? { httpsLocation: https.location } : {}),
            httpsCertificateSha256: https.certificateSha256,
            firstBootDone: stamp.code === 0,
            ...facts,
        },
        problems,
    };
}
/** With Indico installed, a new instance's uWSGI may still be loading it: 502-504 are retried for a while. */
async function probeUntilSettled(port, host, ctx) {
    const deadline = Date.now() + INDICO_START_MS;
    for (;;) {
        const answer = await httpsProbe(port, { host });
        const starting = ctx.options.installIndico && answer.status >= 502 && answer.status <= 504;
        if (!starting || Date.now() > deadline)
            return answer;
        await new Promise((resolveWait) => setTimeout(resolveWait, 5_000));
    }
}
/**
 * GET / over TLS on 127.0.0.1: the HTTP status, the Location and the SHA-256 fingerprint of the
 * certificate served (self-signed per instance, so it is recorded rather than verified). `host` is the
 * Host header (and SNI name): BASE_URL's authority, as a browser would send it, or the vhost answers
 * with its redirect to BASE_URL before Indico sees the request.
 */
function httpsProbe(port, { host, timeoutMs = 30_000 } = {}) {
    const serverName = host?.replace(/:\d+$/, '').replace(/^\[.*\]$/, '');
    return new Promise((resolvePromise, reject) => {
        const request = (0,external_node_https_.request)({
            host: '127.0.0.1',
            port,
            path: '/',
            method: 'GET',
            rejectUnauthorized: false,
            timeout: timeoutMs,
            agent: false,
            ...(host ? { headers: { Host: host } } : {}),
            // SNI carries host names only, never an address.
            ...(serverName && !(0,external_node_net_.isIP)(serverName) ? { servername: serverName } : {}),
        }, (response) => {
            const socket = response.socket;
            const certificateSha256 = socket.getPeerCertificate().fingerprint256 ?? '';
            response.resume();
            resolvePromise({
                status: response.statusCode ?? 0,
                location: response.headers.location,
                certificateSha256,
            });
        });
        request.on('timeout', () => request.destroy(new Error(`no HTTPS answer on 127.0.0.1:${port} within ${timeoutMs / 1000} s`)));
        request.on('error', reject);
        request.end();
    });
}

;// CONCATENATED MODULE: ./shared/image/qemu-vm-host.ts
/** The VmHost of real builds: qemu-img for the disks, qemu for the VMs, SSH into them. */





const qemuVmHost = {
    undoers: { [QEMU_RESOURCE]: killRecordedQemu },
    imageInfo: imageInfo,
    createOverlay: createOverlay,
    writeSeed: writeSeed,
    async boot(request, ledger, reporter) {
        const qemu = await bootVm(request, ledger, reporter, { guestPorts: [22] });
        return {
            pid: qemu.pid,
            connectSsh: (timeoutMs, sshReporter) => waitForSsh(qemu, request.seed, request.serialLog, timeoutMs, sshReporter),
            waitForExit: (ms) => qemu.waitForExit(ms),
            stop: (stopReporter) => qemu.stop(stopReporter),
        };
    },
    convertImages: convertImages,
    verifyImage: verifyImage,
};

;// CONCATENATED MODULE: ./shared/image/run-image.ts
/** run-image: boot an image on a throwaway overlay with SSH, HTTP and HTTPS forwarded to 127.0.0.1. */












const RUN_USER = 'indicovm';
/** Starts the message that says the VM answers SSH (scripts and tests wait for it). */
const READY_LINE = 'The VM is ready.';
function signalled() {
    let dispose = () => undefined;
    const promise = new Promise((resolvePromise) => {
        const handler = () => resolvePromise();
        process.once('SIGINT', handler);
        process.once('SIGTERM', handler);
        dispose = () => {
            process.off('SIGINT', handler);
            process.off('SIGTERM', handler);
        };
    });
    return { promise, dispose };
}
/**
 * The image itself is never written: the VM runs on an overlay in a temporary folder, removed when qemu
 * stops (a poweroff in the guest, or Ctrl-C here). A fresh seed adds a login for this run only.
 */
async function runImage(options, reporter, deps = {}) {
    if (!options.image) {
        throw new errors/* ConfigurationError */.j1("Missing option 'image': the path of the image to boot.");
    }
    const image = (0,external_node_path_.resolve)(options.image);
    if (!(0,external_node_fs_.existsSync)(image)) {
        throw new errors/* ConfigurationError */.j1(`Option 'image': ${image} does not exist.`);
    }
    const forwards = [
        { hostPort: options.forwardSshPort, guestPort: 22 },
        { hostPort: options.forwardHttpPort, guestPort: options.httpPort },
        { hostPort: options.forwardHttpsPort, guestPort: options.httpsPort },
    ];
    for (const forward of forwards) {
        if (!(await loopbackPortIsFree(forward.hostPort))) {
            throw new errors/* ConfigurationError */.j1(`Port 127.0.0.1:${forward.hostPort} (for the guest's port ${forward.guestPort}) is in use; choose another with the forward-*-port options.`);
        }
    }
    const accelerator = chooseAccelerator(options.accelerator, reporter, deps.hostFacts);
    const info = await imageInfo(image);
    const workDir = (0,external_node_fs_.mkdtempSync)((0,external_node_path_.join)(deps.tempRoot ?? (0,external_node_os_.tmpdir)(), 'indicovm-run-'));
    const ledger = new Ledger(`${workDir}.ledger.json`);
    const stop = deps.stopSignal ? { promise: deps.stopSignal, dispose: () => undefined } : signalled();
    try {
        const overlay = (0,external_node_path_.join)(workDir, 'disk.qcow2');
        await createOverlay(image, info.format, overlay, info.virtualSize);
        const { seed, seedFile } = writeSeed(workDir, options.seedName, {
            hostname: 'indicovm-run',
            buildUser: RUN_USER,
        });
        const keyFile = (0,external_node_path_.join)(workDir, 'id_ed25519');
        (0,external_node_fs_.writeFileSync)(keyFile, seed.buildKey.privateKey.reveal(), { mode: 0o600 });
        const knownHosts = (0,external_node_path_.join)(workDir, 'known_hosts');
        (0,external_node_fs_.writeFileSync)(knownHosts, `[127.0.0.1]:${options.forwardSshPort} ${seed.hostKey.publicKey}\n`);
        const serialLog = (0,external_node_path_.join)(workDir, 'serial.log');
        const machine = machineSettings(options, accelerator);
        const qemu = await bootVm({ name: 'run', workDir, disk: overlay, seed, seedFile, serialLog, machine }, ledger, reporter, { fixed: forwards });
        const ssh = commandLine([
            'ssh',
            '-i',
            keyFile,
            '-p',
            String(options.forwardSshPort),
            '-o',
            `UserKnownHostsFile=${knownHosts}`,
            // The host key is known before the first connection: anything else is refused, not asked about.
            '-o',
            'StrictHostKeyChecking=yes',
            '-o',
            'IdentitiesOnly=yes',
            `${RUN_USER}@127.0.0.1`,
        ]);
        reporter.info(`The VM is booting (${accelerator}); serial console: ${serialLog}. ` +
            `Waiting up to ${options.sshTimeout} s for SSH (Ctrl-C stops the VM).`);
        // A login with the seeded host key, as the build does: an open port proves nothing under qemu.
        // Ready once cloud-init is done too: until then it may still restart sshd or set up the user, and
        // a login with the printed command could be cut off.
        const ready = waitForSsh(qemu, seed, serialLog, options.sshTimeout * 1000, reporter, 'image').then(async (session) => {
            try {
                await waitForCloudInit(session, reporter, serialLog);
            }
            finally {
                await session.close();
            }
            return 'ready';
        });
        // Stopped while waiting: the wait then fails on the stopped qemu, which is no news.
        ready.catch(() => undefined);
        const first = await Promise.race([stop.promise.then(() => 'signal'), ready]);
        if (first === 'ready') {
            reporter.info([
                `${READY_LINE} SSH: ${ssh}`,
                `Forwarded ports: 127.0.0.1:${options.forwardSshPort} → 22, ` +
                    `127.0.0.1:${options.forwardHttpPort} → ${options.httpPort}, ` +
                    `127.0.0.1:${options.forwardHttpsPort} → ${options.httpsPort} ` +
                    `(http://127.0.0.1:${options.forwardHttpPort}/, https://127.0.0.1:${options.forwardHttpsPort}/)`,
                'Press Ctrl-C to stop the VM (its overlay is discarded).',
            ].join('\n'));
        }
        const stopped = first === 'signal'
            ? first
            : await Promise.race([
                stop.promise.then(() => 'signal'),
                qemu.waitForExit(2 ** 31 - 1).then(() => 'exited'),
            ]);
        if (stopped === 'signal') {
            reporter.info('Stopping the VM.');
            await qemu.stop(reporter);
        }
        else {
            ledger.release(QEMU_RESOURCE, String(qemu.pid));
            reporter.info(`qemu exited with status ${qemu.exitCode ?? 'unknown'}.`);
        }
    }
    finally {
        stop.dispose();
        await ledger.undoAll({ [QEMU_RESOURCE]: killRecordedQemu }, (resource, error) => reporter.warning(`Could not stop ${resource.label ?? resource.id}: ${(0,errors/* errorMessage */.gJ)(error)}`));
        (0,external_node_fs_.rmSync)(workDir, { recursive: true, force: true });
        (0,external_node_fs_.rmSync)(ledger.file, { force: true });
    }
}

;// CONCATENATED MODULE: ./shared/image/build-image.ts
/**
 * The image build: resolve the base image → overlay → NoCloud seed → boot → SSH → cloud-init → upload
 * files → recipe and provision scripts → seal → poweroff → convert to each format → manifest → verify
 * boot → summary. Everything it starts or creates is in a Ledger first, so a failure (or a post step
 * after a cancelled job) leaves no qemu, no temporary folder and no half-written image behind.
 */

























const TEMP_DIR_RESOURCE = 'temp-dir';
const build_image_MIB = 1024 * 1024;
/** How the post step (or a failed build) removes each kind of thing the build records. */
const buildUndoers = {
    ...qemuVmHost.undoers,
    [TEMP_DIR_RESOURCE]: (resource) => (0,promises_.rm)(resource.id, { recursive: true, force: true }),
    [OUTPUT_FILE_RESOURCE]: (resource) => (0,promises_.rm)(resource.id, { force: true }),
};
async function buildImage(options, reporter, deps = {}) {
    checkBuildImageOptions(options);
    const cwd = deps.cwd ?? process.cwd();
    const vmHost = deps.vmHost ?? qemuVmHost;
    const accelerator = chooseAccelerator(options.accelerator, reporter, deps.hostFacts);
    const inputs = readProvisionInputs(options, cwd);
    const outputDir = (0,external_node_path_.resolve)(cwd, options.outputDir);
    (0,external_node_fs_.mkdirSync)(outputDir, { recursive: true });
    const serialLog = serialLogPathFor(options, cwd);
    const tempRoot = deps.tempRoot ?? (0,external_node_os_.tmpdir)();
    (0,external_node_fs_.mkdirSync)(tempRoot, { recursive: true });
    const workDir = (0,external_node_fs_.mkdtempSync)((0,external_node_path_.join)(tempRoot, 'indicovm-build-'));
    const ownLedger = deps.ledger === undefined;
    const ledger = deps.ledger ?? new Ledger(`${workDir}.ledger.json`);
    ledger.record({ kind: TEMP_DIR_RESOURCE, id: workDir, label: 'build folder' });
    const undoers = { ...buildUndoers, ...vmHost.undoers };
    // What is still recorded: after success only the temporary folder, after a failure everything.
    const removeWhatIsRecorded = async () => {
        await ledger.undoAll(undoers, (resource, error) => reporter.warning(`Could not remove ${resource.kind} ${resource.label ?? resource.id}: ${(0,errors/* errorMessage */.gJ)(error)}`));
        if (ownLedger) {
            (0,external_node_fs_.rmSync)(ledger.file, { force: true });
        }
    };
    const doneWithInterrupt = onInterrupt(removeWhatIsRecorded);
    const machine = machineSettings(options, accelerator);
    const clock = new PhaseClock(reporter);
    let vm;
    let session;
    try {
        const base = await clock.run('Base image', async () => {
            const resolved = await resolveBaseImage(options.baseImage, expectedBaseDigest(options), {
                ...(deps.downloader ? { downloader: deps.downloader } : {}),
                fetchGlanceImage: deps.fetchGlanceImage ??
                    glanceFetcherFromOptions(options, {
                        ...(deps.sources ? { sources: deps.sources } : {}),
                        ...(deps.cloudsYaml ? { cloudsYaml: deps.cloudsYaml } : {}),
                    }),
                workDir,
                cwd,
                imageInfo: (path) => vmHost.imageInfo(path),
            }, reporter);
            reporter.info(`${resolved.source}: ${resolved.format}, ${resolved.virtualSize} bytes virtual, SHA-256 ${resolved.sha256}`);
            return resolved;
        });
        const overlay = (0,external_node_path_.join)(workDir, 'disk.qcow2');
        const diskBytes = options.diskSize * build_image_MIB;
        if (diskBytes < base.virtualSize) {
            throw new errors/* ConfigurationError */.j1(`Option 'disk-size' (${options.diskSize} MiB) is smaller than the base image's disk ` +
                `(${Math.ceil(base.virtualSize / build_image_MIB)} MiB); images can only grow.`);
        }
        const { seed, seedFile } = await clock.run('Overlay and seed', async () => {
            await vmHost.createOverlay(base.path, base.format, overlay, diskBytes);
            return vmHost.writeSeed(workDir, options.seedName, {
                hostname: options.imageName
                    .replace(/[^A-Za-z0-9-]/g, '-')
                    .replace(/^-+|-+$/g, '')
                    .slice(0, 63) || 'indicovm',
                buildUser: options.sshUsername,
                ...(inputs.networkConfig !== undefined ? { networkConfig: inputs.networkConfig } : {}),
            });
        });
        reporter.mask(seed.password.reveal());
        const buildVm = { name: 'build', workDir, disk: overlay, seed, seedFile, serialLog, machine };
        session = await clock.run('Boot and SSH', async () => {
            vm = await vmHost.boot(buildVm, ledger, reporter);
            return vm.connectSsh(options.sshTimeout * 1000, reporter);
        });
        const buildSession = session;
        const buildMachineId = await clock.run('cloud-init', async () => {
            await waitForCloudInit(buildSession, reporter, serialLog);
            return (await buildSession.exec(['cat', '/etc/machine-id'])).stdout.trim();
        });
        if (inputs.files.length > 0) {
            await clock.run('Upload files', () => uploadFiles(buildSession, inputs.files, reporter));
        }
        const wheelhouse = inputs.wheelhouse;
        if (wheelhouse !== undefined) {
            await clock.run('Upload wheelhouse', () => installWheelhouse(buildSession, wheelhouse, reporter));
        }
        for (const step of inputs.steps) {
            await clock.run(step.title, () => runProvisionStep(buildSession, step, reporter));
        }
        const sealed = await clock.run('Seal and power off', async () => {
            await runProvisionStep(buildSession, { title: 'seal', name: 'seal', script: sealScript() }, reporter);
            await buildSession.upload(finalSealScript(options.sshUsername), FINAL_SEAL_PATH, {
                sudo: true,
                mode: 0o700,
            });
            await buildSession.exec(['systemd-run', '--no-block', '--collect', `--unit=${FINAL_SEAL_UNIT}`, '/bin/sh', FINAL_SEAL_PATH], { sudo: true });
            await buildSession.close();
            session = undefined;
            const booted = vm;
            const poweredOff = await booted.waitForExit(options.shutdownTimeout * 1000);
            if (!poweredOff) {
                await booted.stop(reporter);
            }
            else {
                ledger.release(QEMU_RESOURCE, String(booted.pid));
            }
            return { poweredOff, serial: (0,external_node_fs_.readFileSync)(serialLog, 'utf8') };
        });
        checkSealResult(sealed, serialLog, options.shutdownTimeout, reporter);
        const images = await clock.run('Convert', () => vmHost.convertImages(overlay, options, outputDir, ledger, reporter));
        let verify;
        if (options.verify) {
            verify = await clock.run('Verify boot', () => vmHost.verifyImage({
                image: images[0],
                workDir,
                outputDir,
                machine,
                options,
                buildHostKeyFingerprint: seed.hostKey.fingerprint,
                buildMachineId,
                recipeRan: options.recipe === 'indico',
                ledger,
                reporter,
            }));
        }
        const manifestInput = {
            createdAt: new Date(),
            base,
            accelerator,
            timings: clock.timings,
            settings: manifestSettings(options),
            images,
            ...(verify ? { verify } : {}),
        };
        const manifestPath = (0,external_node_path_.join)(outputDir, `${options.imageName}.manifest.json`);
        (0,external_node_fs_.writeFileSync)(manifestPath, `${JSON.stringify(buildManifest(manifestInput), null, 2)}\n`);
        reporter.summary(buildSummary(manifestInput, options.imageName));
        for (const image of images) {
            ledger.release(OUTPUT_FILE_RESOURCE, image.path);
        }
        return {
            images: images.map(({ format, path, size, sha256 }) => ({ format, path, size, sha256 })),
            manifestPath,
            serialLogPath: serialLog,
            outputDir,
            accelerator,
            baseImage: { source: base.source, sha256: base.sha256 },
            timings: clock.timings,
            ...(verify ? { verify } : {}),
        };
    }
    catch (error) {
        // A VM that never answered already carries the tail in its message.
        if ((0,external_node_fs_.existsSync)(serialLog) &&
            !(error instanceof errors/* ConfigurationError */.j1) &&
            !(error instanceof VmNotReachableError)) {
            reporter.info(`Last lines of the serial console (${serialLog}):`);
            reporter.relay(serialLogTail(serialLog));
        }
        throw error;
    }
    finally {
        doneWithInterrupt();
        await session?.close().catch(() => undefined);
        await removeWhatIsRecorded();
    }
}

;// CONCATENATED MODULE: ./shared/openstack/neutron.ts



class Neutron {
    #session;
    constructor(session) {
        if (!session.hasEndpoint('network')) {
            throw new errors/* ConfigurationError */.j1(`the cloud has no ${session.auth.interface} network (Neutron) endpoint in its catalog: networks must be given by ID, auto or none, and floating IPs are not available`);
        }
        this.#session = session;
    }
    static available(session) {
        return session.hasEndpoint('network');
    }
    #path(path) {
        return /\/v2\.0$/.test(this.#session.endpoint('network')) ? path.replace(/^\/v2\.0/, '') : path;
    }
    async #json(method, path, json) {
        const response = await this.#session.request('network', {
            method,
            path: this.#path(path),
            json,
            response: 'json',
        });
        return response.body;
    }
    /** A network by ID or exact name; a name must be unambiguous. */
    async findNetwork(nameOrId) {
        if (isUuid(nameOrId)) {
            try {
                return (await this.#json('GET', `/v2.0/networks/${nameOrId}`)).network;
            }
            catch (error) {
                if (!(error instanceof OpenStackHttpError && error.status === 404)) {
                    throw error;
                }
            }
        }
        const { networks } = await this.#json('GET', `/v2.0/networks?${new URLSearchParams({ name: nameOrId }).toString()}`);
        const exact = networks.filter((network) => network.name === nameOrId);
        if (exact.length === 1) {
            return exact[0];
        }
        if (exact.length === 0) {
            throw new errors/* ConfigurationError */.j1(`network '${nameOrId}' was not found in Neutron (by name or ID)`);
        }
        throw new errors/* ConfigurationError */.j1(`network name '${nameOrId}' is ambiguous (${exact.map((network) => network.id).join(', ')}); use an ID`);
    }
    async serverPorts(serverId) {
        const { ports } = await this.#json('GET', `/v2.0/ports?${new URLSearchParams({ device_id: serverId }).toString()}`);
        return ports;
    }
    /**
     * Allocates a floating IP on an external network and binds it to the server's first port with an
     * IPv4 address. The caller records the returned ID for cleanup before doing anything else.
     */
    async attachFloatingIp(serverId, externalNetwork, onCreated) {
        const network = await this.findNetwork(externalNetwork);
        const ports = await this.serverPorts(serverId);
        const port = ports.find((candidate) => candidate.fixed_ips.some((ip) => ip.ip_address.includes('.')));
        if (!port) {
            throw new errors/* CommandError */.Qd(`floating IP for server ${serverId}`, null, '', 'the server has no port with an IPv4 address');
        }
        const created = await this.#json('POST', '/v2.0/floatingips', {
            floatingip: { floating_network_id: network.id },
        });
        // Allocated first and bound second, so that the caller has the ID to release even if binding fails.
        onCreated?.(created.floatingip);
        const updated = await this.#json('PUT', `/v2.0/floatingips/${created.floatingip.id}`, {
            floatingip: { port_id: port.id },
        });
        return updated.floatingip;
    }
    async deleteFloatingIp(id) {
        try {
            await this.#session.request('network', {
                method: 'DELETE',
                path: this.#path(`/v2.0/floatingips/${id}`),
                response: 'none',
            });
        }
        catch (error) {
            if (!(error instanceof OpenStackHttpError && error.status === 404)) {
                throw error;
            }
        }
    }
}

;// CONCATENATED MODULE: ./shared/openstack/nova.ts
/*
 * Over 300 lines: the whole of Nova's API as this project uses it (flavors, networks, servers with
 * their boot volumes and user-data, key pairs, the console log), with the microversion negotiation every
 * call depends on; the helpers above the class are pure and tested on their own.
 */





/** Nova v2.1: servers, flavors, key pairs and console output, at a negotiated microversion. */
/** The microversion this client is written against; lower clouds get their maximum. */
const WANTED_MICROVERSION = '2.74';
/** Nova refuses user_data longer than this (base64 characters). */
const MAX_USER_DATA_BASE64 = 65535;
/** The volumes Nova lists for a server (os-extended-volumes), with whether they go with it. */
function attachedVolumes(server) {
    const listed = server?.['os-extended-volumes:volumes_attached'];
    if (!Array.isArray(listed))
        return [];
    return listed
        .filter((entry) => typeof entry?.id === 'string')
        .map((entry) => ({ id: entry.id, deleteOnTermination: entry.delete_on_termination !== false }));
}
/** "2.74" as a comparable pair. */
function parseMicroversion(value) {
    const match = /^(\d+)\.(\d+)$/.exec(value.trim());
    return match ? [Number(match[1]), Number(match[2])] : undefined;
}
function compareMicroversions(a, b) {
    const [am = 0, an = 0] = parseMicroversion(a) ?? [];
    const [bm = 0, bn = 0] = parseMicroversion(b) ?? [];
    return am - bm || an - bn;
}
/** The microversion to request: ours, or the cloud's maximum when that is lower; undefined for none. */
function chooseMicroversion(wanted, cloudMax) {
    if (!cloudMax || !parseMicroversion(cloudMax)) {
        return undefined;
    }
    return compareMicroversions(cloudMax, wanted) < 0 ? cloudMax : wanted;
}
function encodeUserData(userData) {
    const encoded = Buffer.from(userData).toString('base64');
    if (encoded.length > MAX_USER_DATA_BASE64) {
        throw new errors/* ConfigurationError */.j1(`user-data is ${encoded.length} characters in base64, and Nova accepts at most ${MAX_USER_DATA_BASE64} ` +
            `(about 48 KiB before encoding): make it smaller, or gzip it (cloud-init reads gzipped user-data)`);
    }
    return encoded;
}
/**
 * The address to SSH to: a floating IP, else a fixed IPv4, else a global IPv6 (link-local ones are
 * useless from outside). Undefined while the server has none.
 */
function pickSshAddress(server) {
    const all = Object.values(server.addresses ?? {}).flat();
    const usable = all.filter((address) => !/^fe80:/i.test(address.addr));
    const floating = usable.find((address) => address['OS-EXT-IPS:type'] === 'floating');
    const fixed4 = usable.find((address) => address.version === 4);
    const any6 = usable.find((address) => address.version === 6);
    return (floating ?? fixed4 ?? any6)?.addr;
}
class Nova {
    #session;
    #microversion;
    constructor(session) {
        this.#session = session;
    }
    /** The microversion in use, read once from the cloud's version document. */
    microversion() {
        this.#microversion ??= this.#negotiate();
        return this.#microversion;
    }
    async #negotiate() {
        let max;
        try {
            const response = await this.#session.request('compute', { method: 'GET', path: '/', response: 'json' });
            max = response.body?.version?.version;
        }
        catch (error) {
            if (!(error instanceof OpenStackHttpError) || error.status === undefined || error.status === 401) {
                throw error;
            }
        }
        const chosen = chooseMicroversion(WANTED_MICROVERSION, max);
        if (chosen !== WANTED_MICROVERSION) {
            this.#session.reporter.warning(`Nova offers microversions up to ${max || '2.1 (none)'}; using ${chosen ?? '2.1'} instead of ${WANTED_MICROVERSION}`);
        }
        return chosen;
    }
    async #request(method, path, options = {}) {
        const version = await this.microversion();
        const response = await this.#session.request('compute', {
            method,
            path,
            json: options.json,
            expect: options.expect,
            idempotent: options.idempotent,
            headers: version ? { 'OpenStack-API-Version': `compute ${version}` } : {},
            response: 'json',
        });
        return response.body;
    }
    async #atLeast(version) {
        const current = await this.microversion();
        return current !== undefined && compareMicroversions(current, version) >= 0;
    }
    /** A flavor by ID or exact name. */
    async resolveFlavor(nameOrId) {
        const { flavors } = await this.#request('GET', '/flavors/detail?is_public=None');
        const byId = flavors.find((flavor) => flavor.id === nameOrId);
        if (byId) {
            return byId;
        }
        const named = flavors.filter((flavor) => flavor.name === nameOrId);
        if (named.length === 1) {
            return named[0];
        }
        if (named.length > 1) {
            throw new errors/* ConfigurationError */.j1(`flavor name '${nameOrId}' is ambiguous (${named.map((f) => f.id).join(', ')}); use an ID`);
        }
        const known = flavors.map((flavor) => flavor.name).sort();
        throw new errors/* ConfigurationError */.j1(`flavor '${nameOrId}' was not found (by name or ID); available: ${known.join(', ') || 'none'}`);
    }
    /**
     * Network options as Nova's `networks`: auto and none alone, UUIDs as they are, names through
     * Neutron (which must then be in the catalog).
     */
    async resolveNetworks(values) {
        const special = values.filter((value) => value === 'auto' || value === 'none');
        if (special.length > 0) {
            if (values.length > 1) {
                throw new errors/* ConfigurationError */.j1(`network '${special[0]}' cannot be combined with other networks (got ${values.join(', ')})`);
            }
            return special[0];
        }
        if (values.length === 0) {
            return 'auto';
        }
        const named = values.filter((value) => !isUuid(value));
        if (named.length > 0 && !Neutron.available(this.#session)) {
            throw new errors/* ConfigurationError */.j1(`network '${named[0]}' is a name, but this cloud has no Neutron (network) endpoint to look it up: give the network's ID, auto or none`);
        }
        const neutron = named.length > 0 ? new Neutron(this.#session) : undefined;
        const out = [];
        for (const value of values) {
            out.push({ uuid: isUuid(value) || !neutron ? value : (await neutron.findNetwork(value)).id });
        }
        return out;
    }
    /** POST /servers; returns the new server's ID at once (it is still building). */
    async createServer(spec) {
        const server = {
            name: spec.name,
            flavorRef: spec.flavorRef,
        };
        if (spec.bootVolume) {
            server.block_device_mapping_v2 = [await this.#bootVolumeMapping(spec.imageRef, spec.bootVolume)];
        }
        else {
            server.imageRef = spec.imageRef;
        }
        if (await this.#atLeast('2.37')) {
            server.networks = spec.networks;
        }
        else if (typeof spec.networks !== 'string') {
            server.networks = spec.networks;
        }
        if (spec.securityGroups?.length) {
            server.security_groups = spec.securityGroups.map((name) => ({ name }));
        }
        if (spec.keyName) {
            server.key_name = spec.keyName;
        }
        if (spec.availabilityZone) {
            server.availability_zone = spec.availabilityZone;
        }
        if (spec.metadata && Object.keys(spec.metadata).length > 0) {
            server.metadata = spec.metadata;
        }
        if (spec.configDrive) {
            server.config_drive = true;
        }
        if (spec.userData !== undefined) {
            server.user_data = encodeUserData(spec.userData);
        }
        const created = await this.#request('POST', '/servers', {
            json: { server },
        });
        if (created.server.adminPass) {
            // Nova makes up a root password even when no guest will use it; it must not reach a log.
            this.#session.reporter.mask(created.server.adminPass);
        }
        return created.server.id;
    }
    async #bootVolumeMapping(imageId, volume) {
        if (volume.volumeType !== undefined && !(await this.#atLeast('2.67'))) {
            throw new errors/* ConfigurationError */.j1(`Option 'volume-type' needs Nova API microversion 2.67; this cloud offers ${(await this.microversion()) ?? 'none'}. Leave it empty for the default volume type.`);
        }
        return {
            boot_index: 0,
            uuid: imageId,
            source_type: 'image',
            destination_type: 'volume',
            volume_size: volume.sizeGiB,
            delete_on_termination: volume.deleteOnTermination,
            ...(volume.volumeType !== undefined ? { volume_type: volume.volumeType } : {}),
        };
    }
    async getServer(id) {
        return (await this.#request('GET', `/servers/${encodeURIComponent(id)}`)).server;
    }
    async findServer(id) {
        try {
            return await this.getServer(id);
        }
        catch (error) {
            if (error instanceof OpenStackHttpError && error.status === 404) {
                return undefined;
            }
            throw error;
        }
    }
    /** Servers of the project with exactly this name (Nova's name filter is a regular expression). */
    async findServersByName(name) {
        const pattern = `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
        const { servers } = await this.#request('GET', `/servers/detail?${new URLSearchParams({ name: pattern }).toString()}`);
        return servers.filter((server) => server.name === name);
    }
    /** Polls until ACTIVE; ERROR fails at once with Nova's fault message. */
    async waitActive(id, options = {}) {
        let last = 'unknown';
        return waitFor(`server ${id} to become ACTIVE`, { onStateChange: reportStatus(this.#session.reporter, `Server ${id}`), ...options }, async () => {
            const server = await this.getServer(id);
            last =
                server.status + (server['OS-EXT-STS:task_state'] ? ` (${server['OS-EXT-STS:task_state']})` : '');
            if (server.status === 'ACTIVE') {
                return server;
            }
            if (server.status === 'ERROR') {
                throw new errors/* CommandError */.Qd(`boot of server ${server.name} (${id})`, null, '', `Nova set it to ERROR: ${server.fault?.message ?? 'no fault message'}`);
            }
            if (server.status === 'DELETED' || server.status === 'SOFT_DELETED' || server.status === 'SHUTOFF') {
                throw new errors/* CommandError */.Qd(`boot of server ${server.name} (${id})`, null, '', `it became ${server.status}`);
            }
            return undefined;
        }, () => last);
    }
    async deleteServer(id) {
        await this.#request('DELETE', `/servers/${encodeURIComponent(id)}`, { expect: [202, 204, 404] });
    }
    /** Deletes and waits until Nova answers 404 (a deleted server lingers briefly as "deleting"). */
    async deleteServerAndWait(id, options = {}) {
        await this.deleteServer(id);
        let last = 'unknown';
        await waitFor(`server ${id} to be deleted`, { pollMs: 1000, onStateChange: reportStatus(this.#session.reporter, `Server ${id}`), ...options }, async () => {
            const server = await this.findServer(id);
            if (server === undefined) {
                return true;
            }
            last = server.status;
            if (server.status === 'ERROR' && !server['OS-EXT-STS:task_state']) {
                throw new errors/* CommandError */.Qd(`delete of server ${id}`, null, '', `Nova set it to ERROR: ${server.fault?.message ?? ''}`);
            }
            return undefined;
        }, () => last);
    }
    /** Registers a public key; the body works from 2.1 to 2.92 (where public_key became required). */
    async createKeypair(name, publicKey) {
        const keypair = { name, public_key: publicKey.trim() };
        if (await this.#atLeast('2.2')) {
            keypair.type = 'ssh';
        }
        const created = await this.#request('POST', '/os-keypairs', {
            json: { keypair },
        });
        return { name: created.keypair.name, fingerprint: created.keypair.fingerprint };
    }
    /** Whether the project has a key pair of this name. */
    async keypairExists(name) {
        try {
            await this.#request('GET', `/os-keypairs/${encodeURIComponent(name)}`);
            return true;
        }
        catch (error) {
            if (error instanceof OpenStackHttpError && error.status === 404) {
                return false;
            }
            throw error;
        }
    }
    async deleteKeypair(name) {
        await this.#request('DELETE', `/os-keypairs/${encodeURIComponent(name)}`, { expect: [202, 204, 404] });
    }
    /** The server's console log (its last `length` lines when given). */
    async consoleOutput(id, length) {
        const result = await this.#request('POST', `/servers/${encodeURIComponent(id)}/action`, {
            json: { 'os-getConsoleOutput': length === undefined ? {} : { length } },
            // Reading the console changes nothing, so it may be retried like a GET.
            idempotent: true,
        });
        return result.output ?? '';
    }
}

;// CONCATENATED MODULE: ./shared/openstack/console-host-keys.ts
/**
 * cloud-init prints the instance's SSH host public keys to the serial console between
 * `-----BEGIN SSH HOST KEY KEYS-----` and `-----END SSH HOST KEY KEYS-----`. Read from Nova's console
 * log they let the first SSH connection verify the host instead of trusting it blindly. Console text
 * is messy: kernel messages interleave, lines carry syslog or timestamp prefixes and CRs, and a
 * rebooted server shows the block again. Only the first complete block is cloud-init's own: anything
 * running in the guest later can print a block of its own, so a later block with other keys is refused
 * rather than believed.
 */


const BEGIN = '-----BEGIN SSH HOST KEY KEYS-----';
const END = '-----END SSH HOST KEY KEYS-----';
/** Two complete host-key blocks on one console that name different keys. */
class ConflictingHostKeys extends Error {
    first;
    later;
    constructor(first, later) {
        super(`the console shows two different SSH host-key blocks (first: ${describe(first)}; later: ${describe(later)}); ` +
            'something in the guest printed a block of its own, or its keys were replaced, so neither is trusted');
        this.first = first;
        this.later = later;
    }
}
function describe(keys) {
    return keys.map((key) => `${key.type} ${fingerprintOf(Buffer.from(key.key, 'base64'))}`).join(', ');
}
/** The first complete block's keys ([] when there is none yet); throws ConflictingHostKeys. */
function parseConsoleHostKeys(console) {
    const blocks = completeBlocks(console);
    const [first = [], ...later] = blocks;
    const conflict = later.find((keys) => !sameKeys(keys, first));
    if (conflict) {
        throw new ConflictingHostKeys(first, conflict);
    }
    return first;
}
function sameKeys(a, b) {
    const lines = new Set(a.map((key) => key.line));
    return a.length === b.length && b.every((key) => lines.has(key.line));
}
function completeBlocks(console) {
    const lines = console.split(/\r?\n|\r/);
    const blocks = [];
    for (let i = 0; i < lines.length; i += 1) {
        if (!(lines[i] ?? '').includes(BEGIN)) {
            continue;
        }
        const keys = [];
        let closed = false;
        for (i += 1; i < lines.length; i += 1) {
            const line = lines[i] ?? '';
            if (line.includes(END)) {
                closed = true;
                break;
            }
            if (line.includes(BEGIN)) {
                i -= 1;
                break;
            }
            const key = parseKey(line);
            if (key && !keys.some((known) => known.line === key.line)) {
                keys.push(key);
            }
        }
        if (closed && keys.length > 0) {
            blocks.push(keys);
        }
    }
    return blocks;
}
/** A key found anywhere in the line whose blob really is a key of the stated type. */
function parseKey(line) {
    const match = PUBLIC_KEY_IN_TEXT.exec(line);
    if (!match) {
        return undefined;
    }
    const [, type = '', key = ''] = match;
    // A key cut in two by interleaved kernel output, or not a key at all, is no key.
    if (publicKeyBlob(type, key) === undefined) {
        return undefined;
    }
    return { type, key, line: `${type} ${key}` };
}

;// CONCATENATED MODULE: ./shared/deploy/host-keys.ts



/**
 * Reads the console log until cloud-init's host-key block appears or the time is up. cloud-init prints
 * the keys in its last stage, so an image that still provisions shows them late; none found is a
 * warning, not a failure, because the server itself is fine. Two different blocks are a failure: the
 * keys that output 'host-keys' would pin cannot be told apart from forged ones.
 */
async function readHostKeys(nova, serverId, options) {
    try {
        return await waitFor(`the SSH host keys in the console log of server ${serverId}`, options, async () => {
            try {
                const keys = parseConsoleHostKeys(await nova.consoleOutput(serverId));
                return keys.length > 0 ? keys.map((key) => key.line) : undefined;
            }
            catch (error) {
                if (error instanceof ConflictingHostKeys) {
                    throw new Error(`Server ${serverId}: ${error.message}.`);
                }
                // Some clouds answer 409 or 501 while the console is not ready or not offered at all.
                options.reporter.debug(`Console log of ${serverId} not readable yet: ${(0,errors/* errorMessage */.gJ)(error)}`);
                return undefined;
            }
        });
    }
    catch (error) {
        if (!(error instanceof WaitTimeoutError))
            throw error;
        options.reporter.warning(`No SSH host keys in the console log of server ${serverId} within ${Math.round(options.timeoutMs / 1000)} s: ` +
            "output 'host-keys' is empty; pin the keys in action-manage another way, or raise 'host-key-timeout'.");
        return [];
    }
}

;// CONCATENATED MODULE: ./shared/deploy/undo.ts



/** The ledger kinds a deployment records, in the words the post step and the summary use. */
const KIND = {
    image: 'glance-image',
    server: 'nova-server',
    keypair: 'nova-keypair',
    floatingIp: 'floating-ip',
    userDataFile: 'user-data-file',
};
/** Marks a server whose boot volume Nova keeps (delete-on-termination false): its undo deletes it. */
const KEPT_VOLUMES = 'keptBootVolumes';
/**
 * How to remove each kind the deploy records. The cloud is logged in to on first use only, so a post step
 * with nothing to undo never logs in. A server is deleted and waited for before its key pair and image
 * go (the ledger undoes in reverse order of creation), and anything already gone counts as removed.
 */
function deployUndoers(cloud, wait = {}) {
    return {
        [KIND.floatingIp]: async (resource) => {
            const { neutron } = await cloud();
            if (!neutron)
                throw new errors/* ConfigurationError */.j1('the cloud has no network (Neutron) endpoint in its catalog');
            await neutron.deleteFloatingIp(resource.id);
        },
        [KIND.server]: async (resource) => {
            const { nova, cinder } = await cloud();
            const kept = resource.detail?.[KEPT_VOLUMES]
                ? attachedVolumes(await nova.findServer(resource.id)).filter((volume) => !volume.deleteOnTermination)
                : [];
            await nova.deleteServerAndWait(resource.id, { pollMs: 1000, ...wait });
            for (const volume of kept) {
                if (!cinder)
                    throw new errors/* ConfigurationError */.j1(`cannot delete volume ${volume.id}: the cloud has no block-storage endpoint`);
                await cinder.deleteVolumeAndWait(volume.id, wait);
            }
        },
        [KIND.keypair]: async (resource) => {
            await (await cloud()).nova.deleteKeypair(resource.id);
        },
        [KIND.image]: async (resource) => {
            await (await cloud()).glance.deleteIfExists(resource.id);
        },
        [KIND.userDataFile]: async (resource) => {
            await (0,promises_.rm)(resource.id, { force: true });
        },
    };
}
/** Logs in once, however many undoers ask for the cloud. */
function lazyCloud(open) {
    let cloud;
    return () => {
        cloud ??= open().catch((error) => {
            cloud = undefined;
            throw error;
        });
        return cloud;
    };
}

;// CONCATENATED MODULE: ./shared/deploy/boot.ts





function bootVolumeOf(server, options) {
    const id = attachedVolumes(server)[0]?.id;
    return options.bootVolumeSize !== undefined && id !== undefined
        ? { id, sizeGiB: options.bootVolumeSize, deleteOnTermination: options.deleteOnTermination }
        : undefined;
}
/** The key pair name registered for public-key: recognisable, per server, never colliding. */
function keypairName(serverName, random) {
    return `indicovm-${serverName}-${random}`;
}
/**
 * Key pair, server, floating IP, then (with replace) the old servers of the same name: each recorded
 * the moment it exists, and the old servers deleted only once the new one is ACTIVE.
 */
async function bootServer(cloud, input) {
    const { nova, neutron } = cloud;
    const { options, checked, record, reporter, wait } = input;
    const serverName = options.serverName;
    let keyName = options.keyName;
    let registeredKeypair;
    if (options.publicKey) {
        const name = keypairName(serverName, (0,external_node_crypto_.randomBytes)(4).toString('hex'));
        await nova.createKeypair(name, options.publicKey);
        record({ kind: KIND.keypair, id: name, label: `key pair ${name}` });
        reporter.info(`Registered key pair ${name}`);
        keyName = registeredKeypair = name;
    }
    if (checked.sameName.length > 0 && !options.replace) {
        reporter.warning(`A server named ${serverName} already exists (${checked.sameName.map((s) => s.id).join(', ')}); ` +
            "booting another one beside it. Set 'replace: true' to replace it.");
    }
    const started = Date.now();
    const server = await reporter.group(`Booting server ${serverName} on ${checked.flavor.name}`, async () => {
        const id = await nova.createServer({
            name: serverName,
            imageRef: input.imageId,
            flavorRef: checked.flavor.id,
            networks: checked.networks,
            securityGroups: options.securityGroups,
            keyName,
            availabilityZone: options.availabilityZone,
            metadata: options.metadata,
            configDrive: options.configDrive,
            userData: input.userData,
            ...(options.bootVolumeSize !== undefined
                ? {
                    bootVolume: {
                        sizeGiB: options.bootVolumeSize,
                        deleteOnTermination: options.deleteOnTermination,
                        ...(options.volumeType !== undefined ? { volumeType: options.volumeType } : {}),
                    },
                }
                : {}),
        });
        record({
            kind: KIND.server,
            id,
            label: `server ${serverName}`,
            // Nova keeps such a boot volume when the server goes: a failed run must delete it too.
            ...(options.bootVolumeSize !== undefined && !options.deleteOnTermination
                ? { detail: { [KEPT_VOLUMES]: 1 } }
                : {}),
        });
        reporter.info(`Created server ${serverName} (${id}); waiting for ACTIVE`);
        return nova.waitActive(id, wait);
    });
    const bootMs = Date.now() - started;
    reporter.info(`Server ${serverName} (${server.id}) is ACTIVE after ${Math.round(bootMs / 1000)} s`);
    let floatingIp;
    if (checked.floatingNetwork && neutron) {
        floatingIp = await neutron.attachFloatingIp(server.id, checked.floatingNetwork.id, (ip) => record({ kind: KIND.floatingIp, id: ip.id, label: `floating IP ${ip.floating_ip_address}` }));
        reporter.info(`Attached floating IP ${floatingIp.floating_ip_address}`);
    }
    const replaced = [];
    if (options.replace) {
        for (const old of checked.sameName) {
            await reporter.group(`Replacing: deleting the old server ${old.name} (${old.id})`, () => nova.deleteServerAndWait(old.id, { ...wait, pollMs: Math.min(wait.pollMs, 1000) }));
            replaced.push(old);
        }
    }
    const hostKeys = await readHostKeys(nova, server.id, {
        timeoutMs: options.hostKeyTimeout * 1000,
        pollMs: Math.max(wait.pollMs, 1000),
        reporter,
    });
    // Addresses can appear a little after ACTIVE; read them once more at the end.
    const latest = await nova.getServer(server.id).catch((error) => {
        reporter.debug(`Could not re-read server ${server.id}: ${(0,errors/* errorMessage */.gJ)(error)}`);
        return server;
    });
    const address = floatingIp?.floating_ip_address ?? pickSshAddress(latest) ?? '';
    if (!address) {
        reporter.warning(`Server ${serverName} has no address (network: ${options.network.join(', ')}).`);
    }
    return {
        server: latest,
        bootVolume: bootVolumeOf(latest, options),
        flavorName: checked.flavor.name,
        address,
        hostKeys,
        registeredKeypair,
        keyName,
        floatingIp,
        replaced,
        bootMs,
    };
}

;// CONCATENATED MODULE: ./shared/openstack/cinder.ts


/** Newer catalogs call the block-storage API by its official type, older ones by its version. */
const SERVICE_TYPES = ['block-storage', 'volumev3'];
/** States in which Cinder refuses a delete: wait them out. */
const BUSY = new Set(['in-use', 'attaching', 'detaching', 'reserved', 'creating', 'downloading']);
/**
 * The few Cinder calls a deployment needs: a boot volume is made by Nova from the image, but a failed
 * run that asked Nova to keep it (delete_on_termination false) must delete it itself.
 */
class Cinder {
    #session;
    #type;
    constructor(session) {
        this.#session = session;
        this.#type = SERVICE_TYPES.find((type) => session.hasEndpoint(type)) ?? SERVICE_TYPES[0];
    }
    static available(session) {
        return SERVICE_TYPES.some((type) => session.hasEndpoint(type));
    }
    async findVolume(id) {
        try {
            const response = await this.#session.request(this.#type, {
                method: 'GET',
                path: `/volumes/${encodeURIComponent(id)}`,
                response: 'json',
            });
            return response.body.volume;
        }
        catch (error) {
            if (error instanceof OpenStackHttpError && error.status === 404)
                return undefined;
            throw error;
        }
    }
    /**
     * Deletes a volume once nothing holds it (a deleted server detaches its volumes a moment later) and
     * waits until it is gone; a volume already gone counts as deleted.
     */
    async deleteVolumeAndWait(id, options = {}) {
        let last;
        let asked = false;
        await waitFor(`volume ${id} to be deleted`, { pollMs: 1000, ...options }, async () => {
            const volume = await this.findVolume(id);
            if (volume === undefined)
                return true;
            last = volume.status;
            if (!asked && !BUSY.has(volume.status)) {
                await this.#session.request(this.#type, {
                    method: 'DELETE',
                    path: `/volumes/${encodeURIComponent(id)}`,
                    expect: [202, 204, 404],
                    response: 'none',
                });
                asked = true;
            }
            return undefined;
        }, () => last);
    }
}

;// CONCATENATED MODULE: ./shared/deploy/cloud.ts
/**
 * The cloud as a deployment sees it: the calls deploy(), its preflight, its boot and its undoers make,
 * and nothing else. The real one is OpenStack through one logged-in session; the unit tests pass an
 * in-memory one (test/support/fake-cloud.ts) to check the sequencing and the undo on failure.
 */





/** The services of one logged-in OpenStack session. */
function openStackCloud(session) {
    return {
        projectId: session.projectId,
        endpointInterface: session.auth.interface,
        glance: new Glance(session),
        nova: new Nova(session),
        neutron: Neutron.available(session) ? new Neutron(session) : undefined,
        cinder: Cinder.available(session) ? new Cinder(session) : undefined,
    };
}
const openOpenStack = async (settings, options) => openStackCloud(await OpenStackSession.open(settings, options));

;// CONCATENATED MODULE: ./shared/deploy/disk-format.ts

/** ISO 9660's primary volume descriptor sits at sector 16 of 2048 bytes. */
const ISO_MAGIC_OFFSET = 16 * 2048 + 1;
async function readAt(file, offset, length) {
    const handle = await (0,promises_.open)(file, 'r');
    try {
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, offset);
        return buffer.subarray(0, bytesRead);
    }
    finally {
        await handle.close();
    }
}
function formatFromHeader(head, tail, isoMagic) {
    const ascii = (start, length) => head.subarray(start, start + length).toString('latin1');
    if (head.length >= 4 && head.readUInt32BE(0) === 0x514649fb) {
        return 'qcow2';
    }
    if (ascii(0, 4) === 'KDMV' || ascii(0, 21) === '# Disk DescriptorFile') {
        return 'vmdk';
    }
    if (head.length >= 0x44 && head.readUInt32LE(0x40) === 0xbeda107f) {
        return 'vdi';
    }
    if (ascii(0, 8) === 'vhdxfile') {
        return 'vhdx';
    }
    // A dynamic VHD has a copy of its footer at the start; a fixed one only at the end.
    if (ascii(0, 8) === 'conectix' || tail.subarray(0, 8).toString('latin1') === 'conectix') {
        return 'vhd';
    }
    if (isoMagic.toString('latin1') === 'CD001') {
        return 'iso';
    }
    return 'raw';
}
async function detectDiskFormat(file, size) {
    const [head, tail, isoMagic] = await Promise.all([
        readAt(file, 0, 512),
        size >= 512 ? readAt(file, size - 512, 512) : Promise.resolve(Buffer.alloc(0)),
        readAt(file, ISO_MAGIC_OFFSET, 5),
    ]);
    return formatFromHeader(head, tail, isoMagic);
}

;// CONCATENATED MODULE: ./shared/deploy/image-step.ts






/** `auto` becomes the format the file's signature says; a given format that contradicts it is warned about. */
async function chooseDiskFormat(file, wanted, reporter) {
    const detected = await detectDiskFormat(file.path, file.size);
    if (wanted === 'auto') {
        reporter.info(`Disk format of ${file.path}: ${detected} (detected from the file)`);
        return detected;
    }
    if (detected !== 'raw' && detected !== wanted) {
        reporter.warning(`Option 'disk-format' is ${wanted}, but ${file.path} looks like ${detected}: Nova will boot it as ${wanted}.`);
    }
    return wanted;
}
async function image_step_hashFile(path) {
    const hasher = new DigestStream();
    await (0,external_node_stream_promises_.pipeline)((0,external_node_fs_.createReadStream)(path), hasher, async (source) => {
        for await (const _chunk of source) {
            // drained: DigestStream only computes the digests
        }
    });
    return hasher.digests;
}
/**
 * Uploads the file as a new image (recorded in the ledger the moment Glance has it), or with
 * reuse-image reuses an active image holding exactly these bytes. The client streams the file once,
 * hashing it on the way, and checks Glance's size, checksum and os_hash_value against it.
 */
async function placeImage(glance, file, settings, context) {
    const { record, reporter, wait } = context;
    const started = Date.now();
    const diskFormat = await chooseDiskFormat(file, settings.diskFormat, reporter);
    if (settings.reuseImage) {
        const digests = await image_step_hashFile(file.path);
        const existing = await glance.findByHash(digests);
        if (existing && existing.disk_format === diskFormat) {
            reporter.info(`Reusing image ${existing.name ?? ''} (${existing.id}): it holds the same bytes (SHA-512 ${digests.sha512.slice(0, 16)}…)`);
            return { image: existing, uploaded: false, digests, diskFormat, durationMs: Date.now() - started };
        }
        reporter.info('No active image with the same SHA-512: uploading');
    }
    const spec = {
        name: settings.name,
        diskFormat,
        containerFormat: settings.containerFormat,
        visibility: settings.visibility,
        minDisk: settings.minDisk,
        minRam: settings.minRam,
        tags: settings.tags,
        properties: settings.properties,
    };
    const result = await glance.uploadImage(spec, file.path, {
        ...wait,
        importMethod: settings.importMethod,
        onCreated: (image) => {
            record({ kind: KIND.image, id: image.id, label: `image ${settings.name}` });
            reporter.info(`Created image ${settings.name} (${image.id}); uploading ${file.size} bytes`);
        },
    });
    return {
        image: result.image,
        uploaded: true,
        digests: result.digests,
        diskFormat,
        method: result.method,
        durationMs: Date.now() - started,
    };
}
/**
 * The prefix images of one series share: the name up to its first part that starts with a digit
 * (`indico-3.3-20261125.qcow2` → `indico-`). A name without such a part is its own series.
 */
function rotationPrefix(name) {
    const parts = name.split(/([-_.])/);
    let prefix = '';
    for (let i = 0; i < parts.length; i += 2) {
        const part = parts[i] ?? '';
        if (/^\d/.test(part) && prefix !== '') {
            return { prefix, exact: false };
        }
        prefix += part + (parts[i + 1] ?? '');
    }
    return { prefix: name, exact: true };
}
/**
 * keep-images: of this project's images in the same series, deletes all but the newest `keep`; the
 * image just uploaded or booted is never a candidate.
 */
async function rotateImages(glance, name, keep, context) {
    if (keep <= 0) {
        return [];
    }
    const { prefix, exact } = rotationPrefix(name);
    const series = sortByCreation((await glance.listByPrefix(prefix)).filter((image) => (!exact || image.name === prefix) &&
        (context.projectId === undefined || image.owner === context.projectId)));
    const protectedIds = new Set(context.protect);
    // The protected image counts as one of the kept ones, and is never deleted.
    const others = series.filter((image) => !protectedIds.has(image.id));
    const kept = Math.max(0, keep - series.filter((image) => protectedIds.has(image.id)).length);
    const doomed = others.slice(0, Math.max(0, others.length - kept));
    for (const image of doomed) {
        context.reporter.info(`keep-images ${keep}: deleting older image ${image.name ?? ''} (${image.id}, ${image.created_at})`);
        await glance.deleteIfExists(image.id);
    }
    return doomed;
}

;// CONCATENATED MODULE: ./shared/deploy/image-file.ts



/** Extensions of disk images; an artifact may also hold checksums, logs or a manifest beside the image. */
const IMAGE_EXTENSIONS = /\.(qcow2|img|raw|vmdk|vdi|vhd|vhdx|iso)$/i;
async function filesBelow(dir) {
    const entries = await (0,promises_.readdir)(dir, { withFileTypes: true, recursive: true });
    return entries.filter((entry) => entry.isFile()).map((entry) => (0,external_node_path_.join)(entry.parentPath, entry.name));
}
/** The one disk image in a downloaded artifact; anything else is an error that lists what is there. */
async function pickImageFile(dir, artifact) {
    const files = await filesBelow(dir);
    const images = files.filter((file) => IMAGE_EXTENSIONS.test(file));
    if (images.length === 1) {
        return images[0];
    }
    const listing = files.map((file) => (0,external_node_path_.relative)(dir, file)).sort();
    const shown = listing.length > 0 ? listing.join(', ') : 'nothing';
    throw new errors/* ConfigurationError */.j1(images.length === 0
        ? `Artifact '${artifact}' holds no disk image (.qcow2, .img, .raw, .vmdk, .vdi, .vhd, .vhdx or .iso); it has: ${shown}.`
        : `Artifact '${artifact}' holds ${images.length} disk images (${images.map((f) => (0,external_node_path_.relative)(dir, f)).join(', ')}); ` +
            `upload it with one image, or download it yourself and set 'image-path'.`);
}
async function checkImageFile(path, origin) {
    let info;
    try {
        info = await (0,promises_.stat)(path);
    }
    catch {
        throw new errors/* ConfigurationError */.j1(`Option 'image-path': ${path} does not exist or cannot be read.`);
    }
    if (!info.isFile()) {
        throw new errors/* ConfigurationError */.j1(`Option 'image-path': ${path} is not a regular file.`);
    }
    if (info.size === 0) {
        throw new errors/* ConfigurationError */.j1(`Option 'image-path': ${path} is empty.`);
    }
    return { path, size: info.size, origin };
}
/** The image's default Glance name: its file name. */
function defaultImageName(path) {
    return (0,external_node_path_.basename)(path);
}

// EXTERNAL MODULE: ./shared/options/resolve.ts
var resolve = __webpack_require__(331);
;// CONCATENATED MODULE: ./shared/deploy/options.ts


/** The checks across options that no single option's kind can make; they run before anything is made. */
function checkDeployOptions(options) {
    (0,resolve/* requireOne */.mc)(options, ['imagePath', 'imageArtifact', 'sourceImage'], 'What to boot');
    (0,resolve/* requireSet */.Ce)(options, 'flavor', 'the Nova flavor to boot with');
    (0,resolve/* requireSet */.Ce)(options, 'serverName', 'the name of the Nova server');
    if (!options.cloud && !options.authUrl) {
        throw new errors/* ConfigurationError */.j1("No OpenStack credentials: set 'cloud' (a clouds.yaml entry) or 'auth-url' with a user or an application credential (or the OS_* environment).");
    }
    if (options.keyName && options.publicKey) {
        throw new errors/* ConfigurationError */.j1("Set only one of 'key-name' (an existing key pair) and 'public-key' (register a new one).");
    }
    const special = options.network.filter((n) => n === 'auto' || n === 'none');
    if (special.length > 0 && options.network.length > 1) {
        throw new errors/* ConfigurationError */.j1(`Option 'network': '${special[0]}' cannot be combined with other networks.`);
    }
    if (options.volumeType !== undefined && options.bootVolumeSize === undefined) {
        throw new errors/* ConfigurationError */.j1("Option 'volume-type' applies to the boot volume: set 'boot-volume-size' (GiB) to boot from one.");
    }
    if (options.floatingIpNetwork && options.network.includes('none')) {
        throw new errors/* ConfigurationError */.j1("Option 'floating-ip-network' needs a network port on the server, but 'network' is none.");
    }
}
const GIB = 1024 ** 3;
/**
 * Cinder fails a volume smaller than the image only once Nova has asked for it, and the server goes to
 * ERROR with a message about the volume: say it here, naming the option.
 */
function checkBootVolumeFits(image, sizeGiB) {
    const needed = Math.max(Math.ceil((image.virtual_size ?? image.size ?? 0) / GIB), image.min_disk ?? 0);
    if (needed > sizeGiB) {
        throw new errors/* ConfigurationError */.j1(`Option 'boot-volume-size': the image needs ${needed} GiB (its virtual size or min_disk), more than the ${sizeGiB} GiB asked for.`);
    }
}

;// CONCATENATED MODULE: ./shared/deploy/preflight.ts

/**
 * Everything that can be found wrong before anything is created: an unknown flavor, network, key pair,
 * source image or external network fails here, and nothing has to be cleaned up.
 */
async function preflight(cloud, input) {
    const { nova, glance, neutron } = cloud;
    const flavor = await nova.resolveFlavor(input.flavor);
    if (flavor.disk === 0 && input.bootVolumeSize === undefined) {
        // Nova refuses it with "Only volume-backed servers are allowed for flavors with zero disk", but
        // only once the image is uploaded.
        throw new errors/* ConfigurationError */.j1(`Option 'flavor': flavor '${flavor.name}' has no root disk (disk 0), so Nova boots it from a volume only: ` +
            "set 'boot-volume-size' (GiB) to boot from a new volume made from the image.");
    }
    if (input.bootVolumeSize !== undefined && !cloud.cinder) {
        throw new errors/* ConfigurationError */.j1(`Option 'boot-volume-size' needs block storage, but this cloud has no ${cloud.endpointInterface} block-storage (Cinder) endpoint in its catalog: leave it empty and pick a flavor with a disk.`);
    }
    const networks = await nova.resolveNetworks(input.network);
    if (input.keyName) {
        if (!(await nova.keypairExists(input.keyName))) {
            throw new errors/* ConfigurationError */.j1(`Option 'key-name': key pair '${input.keyName}' does not exist in this project; register it, or give 'public-key' instead.`);
        }
    }
    let sourceImage;
    if (input.sourceImage) {
        sourceImage = await glance.resolve(input.sourceImage);
        if (sourceImage.status !== 'active') {
            throw new errors/* ConfigurationError */.j1(`Option 'source-image': image '${input.sourceImage}' is ${sourceImage.status}, not active.`);
        }
    }
    let floatingNetwork;
    if (input.floatingIpNetwork) {
        if (!neutron) {
            throw new errors/* ConfigurationError */.j1(`Option 'floating-ip-network' is set, but this cloud has no network (Neutron) endpoint in its catalog, so there are no floating IPs: leave it empty and use the server's fixed address.`);
        }
        floatingNetwork = await neutron.findNetwork(input.floatingIpNetwork);
    }
    const sameName = await nova.findServersByName(input.serverName);
    return { flavor, networks, sourceImage, floatingNetwork, sameName };
}

;// CONCATENATED MODULE: ./shared/deploy/summary.ts


function mebibytes(bytes) {
    return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
/** What the run created or changed, with IDs, sizes, hashes and timings, for the job summary. */
function deploySummary(input) {
    const rows = [];
    const { placed, booted } = input;
    if (placed) {
        const rate = placed.uploaded && placed.durationMs > 0
            ? `, ${mebibytes((placed.digests.size / placed.durationMs) * 1000)}/s`
            : '';
        rows.push([
            placed.uploaded ? 'Image uploaded' : 'Image reused (same SHA-512)',
            placed.image.name ?? '',
            placed.image.id,
            `${input.file?.origin ?? ''}; ${placed.diskFormat}, ${mebibytes(placed.digests.size)}; ` +
                `SHA-512 ${placed.digests.sha512}; ${placed.method ?? 'no upload'} in ${(0,report_reporter/* formatDuration */.a)(placed.durationMs)}${rate}`,
        ]);
    }
    else if (input.sourceImage) {
        rows.push([
            'Stock image booted',
            input.sourceImage.name ?? '',
            input.sourceImage.id,
            `${input.sourceImage.disk_format ?? ''}, ${mebibytes(input.sourceImage.size ?? 0)}`,
        ]);
    }
    if (input.userData) {
        rows.push([
            'User-data',
            input.userData.path ?? 'sent to Nova only (no user-data-path)',
            '',
            `${input.userData.bytes.length} bytes${input.userData.gzipped ? ' (gzipped)' : ''}`,
        ]);
    }
    if (booted.registeredKeypair) {
        rows.push(['Key pair registered', booted.registeredKeypair, booted.registeredKeypair, '']);
    }
    rows.push([
        'Server',
        booted.server.name,
        booted.server.id,
        `${booted.flavorName}; ${booted.server.status}; address ${booted.address || 'none'}; ACTIVE in ${(0,report_reporter/* formatDuration */.a)(booted.bootMs)}`,
    ]);
    if (booted.bootVolume) {
        rows.push([
            'Boot volume',
            `${booted.bootVolume.sizeGiB} GiB, made from the image`,
            booted.bootVolume.id,
            booted.bootVolume.deleteOnTermination ? 'deleted with the server' : 'kept when the server is deleted',
        ]);
    }
    if (booted.floatingIp) {
        rows.push(['Floating IP', booted.floatingIp.floating_ip_address, booted.floatingIp.id, '']);
    }
    for (const old of booted.replaced) {
        rows.push(['Server replaced (deleted)', old.name, old.id, '']);
    }
    for (const image of input.rotated) {
        rows.push(['Older image deleted (keep-images)', image.name ?? '', image.id, image.created_at]);
    }
    // The fingerprints, as ssh prints them on first contact, so a reader can compare them by eye.
    for (const line of booted.hostKeys) {
        const [type = '', blob = ''] = line.trim().split(/\s+/);
        rows.push(['SSH host key', type, fingerprintOf(Buffer.from(blob, 'base64')), 'from the console log']);
    }
    const hostKeys = booted.hostKeys.length > 0
        ? `${booted.hostKeys.length} SSH host key(s) read from the console log.`
        : 'No SSH host keys in the console log.';
    return {
        heading: `indicovm deploy: ${booted.server.name}`,
        text: `Deployed ${booted.server.name} in ${(0,report_reporter/* formatDuration */.a)(input.totalMs)}. ${hostKeys}`,
        tables: [{ header: ['What', 'Name', 'ID', 'Details'], rows }],
    };
}

// EXTERNAL MODULE: external "node:zlib"
var external_node_zlib_ = __webpack_require__(8522);
;// CONCATENATED MODULE: ./shared/cloudinit/mime.ts




/**
 * MIME multipart user-data, as cloud-init's write-mime-multipart (and `cloud-init devel make-mime`) writes it:
 * how action-deploy hands a stock image both the recipe script and the files it needs in one user-data.
 */
/** Above this the MIME text is gzipped; cloud-init recognises the gzip magic and unpacks it. */
const GZIP_THRESHOLD_BYTES = 16 * 1024;
/** Nova rejects a server whose base64-encoded user_data is longer than this. */
const NOVA_USER_DATA_LIMIT = 65535;
/** RFC 5322: a line of a 7bit body may hold at most 998 characters. */
const MAX_7BIT_LINE = 998;
function renderUserData(input) {
    if (!input.script.startsWith('#!')) {
        throw new errors/* ConfigurationError */.j1('The provisioning script for user-data must start with an interpreter line such as #!/bin/bash.');
    }
    const parts = [];
    if (input.cloudConfig !== undefined) {
        parts.push({
            contentType: 'text/cloud-config',
            filename: 'cloud-config.yaml',
            content: renderCloudConfig(input.cloudConfig),
        });
    }
    parts.push({
        contentType: 'text/x-shellscript',
        filename: input.scriptFilename ?? 'indicovm-provision.sh',
        content: input.script,
    });
    const mime = Buffer.from(renderMultipart(parts), 'utf8');
    const gzipped = mime.length > GZIP_THRESHOLD_BYTES;
    const bytes = gzipped ? (0,external_node_zlib_.gzipSync)(mime, { level: 9 }) : mime;
    checkNovaLimit(bytes, mime.length);
    return { bytes, gzipped };
}
/** Throws a ConfigurationError when Nova would refuse these bytes as user_data. */
function checkNovaLimit(bytes, uncompressedBytes = bytes.length) {
    const encodedLength = 4 * Math.ceil(bytes.length / 3);
    if (encodedLength > NOVA_USER_DATA_LIMIT) {
        throw new errors/* ConfigurationError */.j1(`The user-data is too large for OpenStack Nova: ${bytes.length} bytes` +
            (uncompressedBytes !== bytes.length ? ` after gzip (${uncompressedBytes} before)` : '') +
            ` are ${encodedLength} base64 characters, and Nova accepts at most ${NOVA_USER_DATA_LIMIT}. ` +
            `Make the recipe's files smaller, or build an image with action-build-image instead.`);
    }
}
/** A multipart/mixed document with one attachment per part; `newBoundary` is replaceable for tests. */
function renderMultipart(parts, newBoundary = randomBoundary) {
    const encoded = parts.map((part) => ({ part, ...encodePart(part) }));
    const boundary = chooseBoundary(encoded.map(({ body }) => body), newBoundary);
    let out = `Content-Type: multipart/mixed; boundary="${boundary}"\nMIME-Version: 1.0\n\n`;
    for (const { part, body, transferEncoding, charset } of encoded) {
        out +=
            `--${boundary}\n` +
                `Content-Type: ${part.contentType}; charset="${charset}"\n` +
                'MIME-Version: 1.0\n' +
                `Content-Transfer-Encoding: ${transferEncoding}\n` +
                `Content-Disposition: attachment; filename="${checkedFilename(part.filename)}"\n` +
                '\n' +
                // The line break before a delimiter belongs to the delimiter (RFC 2046 5.1.1), not to the body.
                `${body}\n`;
    }
    return `${out}--${boundary}--\n`;
}
function encodePart(part) {
    const ascii = /^[\x20-\x7e\t\n]*$/.test(part.content);
    const shortLines = part.content.split('\n').every((line) => line.length <= MAX_7BIT_LINE);
    if (ascii && shortLines) {
        return { body: part.content, transferEncoding: '7bit', charset: 'us-ascii' };
    }
    const base64 = Buffer.from(part.content, 'utf8').toString('base64');
    const lines = base64.match(/.{1,76}/g) ?? [''];
    return { body: lines.join('\n'), transferEncoding: 'base64', charset: 'utf-8' };
}
/** A boundary that occurs in no part: the parser would otherwise cut a part short at it. */
function chooseBoundary(bodies, newBoundary) {
    for (let attempt = 0; attempt < 100; attempt += 1) {
        const candidate = newBoundary();
        if (!/^[0-9A-Za-z'()+_,./:=?-]{1,69}[0-9A-Za-z'()+_,./:=?-]$/.test(candidate)) {
            throw new Error(`Invalid MIME boundary ${JSON.stringify(candidate)}.`);
        }
        if (!bodies.some((body) => body.includes(candidate)))
            return candidate;
    }
    throw new Error('Could not find a MIME boundary that occurs in none of the user-data parts.');
}
function randomBoundary() {
    return `==indicovm-${(0,external_node_crypto_.randomBytes)(16).toString('hex')}==`;
}
function checkedFilename(name) {
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(name)) {
        throw new errors/* ConfigurationError */.j1(`Invalid user-data part file name ${JSON.stringify(name)}: use letters, digits, '.', '_' and '-'.`);
    }
    return name;
}

;// CONCATENATED MODULE: ./shared/local-path.ts





/**
 * The absolute path a file option names, refused when it lies outside every root (the workspace,
 * RUNNER_TEMP): a file with secrets elsewhere could be left behind or published. Symbolic links in
 * the folders on the way are followed, so a link cannot lead out.
 */
function confinedPath(option, path, roots, escape) {
    const absolute = (0,external_node_path_.resolve)(path);
    const real = realPathOfNearest(absolute);
    const inside = roots.some((root) => {
        const within = (0,external_node_path_.relative)(realPathOfNearest((0,external_node_path_.resolve)(root)), real);
        return within === '' || (!within.startsWith('..') && !within.startsWith(external_node_path_.sep));
    });
    if (!inside) {
        throw new errors/* ConfigurationError */.j1(`Option '${option}': ${path} is outside the workspace and RUNNER_TEMP (${roots.join(', ')}); ` +
            `give a path inside them, or set ${escape.option}: true.`);
    }
    return absolute;
}
/** The real path of the deepest folder that exists, with the rest appended. */
function realPathOfNearest(path) {
    let existing = (0,external_node_path_.dirname)(path);
    while (!(0,external_node_fs_.existsSync)(existing) && (0,external_node_path_.dirname)(existing) !== existing) {
        existing = (0,external_node_path_.dirname)(existing);
    }
    return (0,external_node_path_.join)((0,external_node_fs_.realpathSync)(existing), (0,external_node_path_.relative)(existing, path));
}
/**
 * Writes a file only its owner may read, through a new temporary file renamed into place: a
 * symbolic link at the path is replaced, never followed, and no reader sees half a file.
 */
async function writePrivateFile(path, bytes) {
    await (0,promises_.mkdir)((0,external_node_path_.dirname)(path), { recursive: true });
    const temporary = (0,external_node_path_.join)((0,external_node_path_.dirname)(path), `.${(0,external_node_path_.basename)(path)}.${(0,external_node_crypto_.randomBytes)(6).toString('hex')}.tmp`);
    try {
        await (0,promises_.writeFile)(temporary, bytes, { mode: 0o600, flag: 'wx' });
        await (0,promises_.chmod)(temporary, 0o600);
        await (0,promises_.rename)(temporary, path);
    }
    catch (error) {
        await (0,promises_.rm)(temporary, { force: true });
        throw error;
    }
}

;// CONCATENATED MODULE: ./shared/deploy/user-data.ts








/**
 * The cloud-config part: the host name, and the TLS certificate and key the user gave, written by
 * cloud-init as root with their modes (the key 0600) before the script runs. The script writes the
 * same files only when their content differs, so it finds them in place.
 */
function stockImageCloudConfig(options, recipe) {
    const tlsPaths = new Set([`${options.sslDir}/indico.crt`, `${options.sslDir}/indico.key`]);
    const tls = recipe.files.filter((file) => tlsPaths.has(file.path));
    const host = options.serverHostname;
    // An address literal or localhost is no name to give the machine.
    const named = host !== 'localhost' && !/^[0-9.]+$/.test(host) && !host.includes(':');
    return {
        ...(named ? { hostname: host.split('.')[0], fqdn: host } : {}),
        ...(tls.length > 0 ? { write_files: toWriteFiles(tls) } : {}),
    };
}
/**
 * The stock-image path's user-data: the same provisioning script the image build runs over SSH plus a
 * cloud-config part, as a MIME multipart document (gzipped when large). renderUserData refuses what
 * Nova would refuse.
 */
function renderStockUserData(options) {
    if (options.pythonWheelhouse !== undefined && !isWheelhouseUrl(options.pythonWheelhouse)) {
        throw new errors/* ConfigurationError */.j1(`Option 'python-wheelhouse': ${JSON.stringify(options.pythonWheelhouse)} is a local path, and nothing local reaches a stock image (its user-data is all it gets, at most 64 KiB); give an https:// URL of a wheelhouse tarball that the VM can fetch.`);
    }
    const recipeOptions = readPemInputs(options);
    const recipe = renderRecipe(recipeOptions);
    return renderUserData({ script: recipe.script, cloudConfig: stockImageCloudConfig(recipeOptions, recipe) });
}
/** The user-data written to a file; it may hold given secrets (ssl-key, passwords), so only its owner may read it. */
async function writeUserData(options, path) {
    const rendered = renderStockUserData(options);
    const absolute = (0,external_node_path_.resolve)(path);
    await writePrivateFile(absolute, rendered.bytes);
    return { ...rendered, path: absolute };
}

;// CONCATENATED MODULE: ./shared/deploy/deploy.ts


















async function imageFileFrom(options, deps, scratch, reporter) {
    if (options.imagePath) {
        return checkImageFile(options.imagePath, options.imagePath);
    }
    if (!options.imageArtifact) {
        return undefined;
    }
    if (!deps.downloadArtifact) {
        throw new errors/* ConfigurationError */.j1("Option 'image-artifact' downloads a workflow artifact of the current run, so it works in action-deploy only: " +
            "here, download the artifact yourself and set 'image-path' (--image-path) to the image file.");
    }
    const folder = await reporter.group(`Downloading artifact ${options.imageArtifact}`, async () => deps.downloadArtifact(options.imageArtifact, await scratch()));
    const file = await pickImageFile(folder, options.imageArtifact);
    return checkImageFile(file, `artifact ${options.imageArtifact}: ${file.slice(folder.length + 1)}`);
}
/**
 * Uploads an image to Glance (or boots a stock image with generated user-data) and boots a Nova
 * server from it. Everything created goes into the ledger as soon as it exists; on success what the
 * user keeps is released from it, on failure it is removed here (unless keep-on-failure), and whatever
 * is still recorded after an interrupted run is removed by the action's post step.
 */
async function deploy(options, reporter, deps = {}) {
    checkDeployOptions(options);
    const started = Date.now();
    let scratchDir;
    const scratch = async () => (scratchDir ??= await (0,promises_.mkdtemp)((0,external_node_path_.join)((0,external_node_os_.tmpdir)(), 'indicovm-deploy-')));
    const ledger = deps.ledger ?? new Ledger((0,external_node_path_.join)(await scratch(), 'ledger.json'));
    const created = [];
    const record = (resource) => {
        ledger.record(resource);
        created.push(resource);
    };
    const pollMs = deps.pollMs ?? 2000;
    const wait = { timeoutMs: options.waitTimeout * 1000, pollMs };
    let cloud;
    let succeeded = false;
    const doneWithInterrupt = onInterrupt(async () => {
        await cleanUpAfterFailure(ledger, created, options.keepOnFailure, cloud, reporter, pollMs);
        if (scratchDir)
            await (0,promises_.rm)(scratchDir, { recursive: true, force: true });
    });
    try {
        // Local work first: a bad file, artifact or recipe fails before the cloud is touched.
        const file = await imageFileFrom(options, deps, scratch, reporter);
        const userData = options.sourceImage ? renderStockUserData(options) : undefined;
        const userDataFile = userData && (await writeUserDataFile(userData, options, deps, record));
        if (userDataFile) {
            reporter.info(`Wrote user-data to ${userDataFile.path} (${userData.bytes.length} bytes${userData.gzipped ? ', gzipped' : ''})`);
        }
        cloud = await (deps.openCloud ?? openOpenStack)(authSettingsFromOptions(options, deps.sources), {
            reporter,
            cloudsYaml: deps.cloudsYaml,
        });
        const { glance } = cloud;
        const checked = await preflight(cloud, {
            flavor: options.flavor,
            network: options.network,
            sourceImage: options.sourceImage,
            keyName: options.keyName,
            floatingIpNetwork: options.floatingIpNetwork,
            serverName: options.serverName,
            bootVolumeSize: options.bootVolumeSize,
        });
        let placed;
        if (file) {
            const name = options.imageName ?? defaultImageName(file.path);
            placed = await reporter.group(`Uploading ${file.origin} to Glance as ${name}`, () => placeImage(glance, file, {
                name,
                diskFormat: options.diskFormat,
                containerFormat: options.containerFormat,
                visibility: options.visibility,
                properties: options.properties,
                tags: options.tags,
                minDisk: options.minDisk,
                minRam: options.minRam,
                reuseImage: options.reuseImage,
                importMethod: options.importMethod,
            }, { record, reporter, wait }));
        }
        const image = placed?.image ?? checked.sourceImage;
        if (options.bootVolumeSize !== undefined)
            checkBootVolumeFits(image, options.bootVolumeSize);
        const booted = await bootServer(cloud, {
            options,
            checked,
            imageId: image.id,
            userData: userData?.bytes,
            record,
            reporter,
            wait,
        });
        const rotated = placed && options.keepImages > 0
            ? await rotateImages(glance, placed.image.name ?? '', options.keepImages, {
                projectId: cloud.projectId,
                protect: [placed.image.id],
                reporter,
            })
            : [];
        reporter.summary(deploySummary({
            file,
            placed,
            sourceImage: checked.sourceImage,
            booted,
            userData: userDataFile ?? userData,
            rotated,
            totalMs: Date.now() - started,
        }));
        succeeded = true;
        return {
            imageId: image.id,
            serverId: booted.server.id,
            serverName: booted.server.name,
            address: booted.address,
            addresses: booted.server.addresses ?? {},
            hostKeys: booted.hostKeys,
            userDataPath: userDataFile?.path,
            bootVolumeId: booted.bootVolume?.id,
        };
    }
    finally {
        doneWithInterrupt();
        if (succeeded) {
            // The user keeps these: the post step must leave them alone.
            created.forEach((resource) => ledger.release(resource.kind, resource.id));
        }
        else if (created.length > 0) {
            await cleanUpAfterFailure(ledger, created, options.keepOnFailure, cloud, reporter, pollMs);
        }
        if (scratchDir) {
            await (0,promises_.rm)(scratchDir, { recursive: true, force: true });
        }
    }
}
/**
 * Writes the user-data to user-data-path when one is given (only then: the file carries the recipe's
 * secrets), confined to the writable roots, and records it so that a failed run removes it.
 */
async function writeUserDataFile(userData, options, deps, record) {
    if (!options.userDataPath) {
        return undefined;
    }
    const path = deps.writableRoots && !options.allowUserDataOutsideWorkspace
        ? confinedPath('user-data-path', options.userDataPath, deps.writableRoots, {
            option: 'allow-user-data-outside-workspace',
        })
        : (0,external_node_path_.resolve)(options.userDataPath);
    await writePrivateFile(path, userData.bytes);
    record({ kind: KIND.userDataFile, id: path, label: (0,external_node_path_.basename)(path) });
    return { ...userData, path };
}
async function cleanUpAfterFailure(ledger, created, keep, cloud, reporter, pollMs) {
    const listing = created.map((resource) => `${resource.kind} ${resource.label ?? ''} (${resource.id})`);
    if (keep) {
        reporter.warning(`keep-on-failure: leaving what this run created: ${listing.join(', ')}`);
        created.forEach((resource) => ledger.release(resource.kind, resource.id));
        return;
    }
    const open = async () => {
        // Only a run that logged in can have created anything in the cloud.
        if (!cloud) {
            throw new Error('not logged in to OpenStack');
        }
        return cloud;
    };
    await reporter.group(`Removing what this failed run created (${created.length})`, async () => {
        const undone = await ledger.undoAll(deployUndoers(open, { pollMs: Math.min(pollMs, 1000), timeoutMs: 5 * 60_000 }), (resource, error) => reporter.warning(`Could not remove ${resource.kind} ${resource.label ?? resource.id}: ${(0,errors/* errorMessage */.gJ)(error)} (the post step tries again)`));
        reporter.info(`Removed ${undone} of ${created.length}: ${listing.join(', ')}`);
    });
}


;// CONCATENATED MODULE: ./shared/report/prefixed.ts

/**
 * A reporter for one of several hosts worked on at the same time: every line starts with `[name]`,
 * so interleaved lines still say whose they are. Groups become a start and an end line (a log's
 * groups cannot interleave), summaries are left to the caller (one table for all hosts), and progress
 * is never drawn in place (several hosts would fight over one line).
 */
function prefixedReporter(reporter, name) {
    const tag = (text) => text
        .split('\n')
        .map((line) => `[${name}] ${line}`)
        .join('\n');
    return {
        debug: (message) => reporter.debug(tag(message)),
        info: (message) => reporter.info(tag(message)),
        warning: (message) => reporter.warning(tag(message)),
        error: (message) => reporter.error(tag(message)),
        relay: (text) => reporter.relay(tag(text)),
        async group(title, fn) {
            reporter.info(tag(`==> ${title}`));
            const started = Date.now();
            try {
                return await fn();
            }
            finally {
                reporter.info(tag(`<== ${title} (${(0,report_reporter/* formatDuration */.a)(Date.now() - started)})`));
            }
        },
        mask: (value) => reporter.mask(value),
        summary: () => undefined,
        liveProgress: false,
        progress: (line) => reporter.info(tag(line)),
    };
}

// EXTERNAL MODULE: ./shared/options/names.ts
var names = __webpack_require__(8743);
;// CONCATENATED MODULE: ./shared/manage/remote/host-facts.ts


function parseEnvFile(text) {
    const values = {};
    for (const line of text.split('\n')) {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
        if (m)
            values[m[1]] = m[2].replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1');
    }
    return values;
}
function hostFactsFrom(env) {
    const web = env.WEB_SERVICE ?? 'nginx';
    const webServer = web === 'nginx' ? 'nginx' : 'apache';
    const vhostPath = web === 'nginx'
        ? '/etc/nginx/conf.d/indico.conf'
        : web === 'httpd'
            ? '/etc/httpd/conf.d/indico.conf'
            : '/etc/apache2/sites-available/indico.conf';
    return {
        redisService: env.REDIS_SERVICE ?? 'redis-server',
        redisDropIn: env.REDIS_DROP_IN ?? PATHS.redisDropIn,
        webService: web,
        pgService: env.PG_SERVICE ?? 'postgresql',
        webServer,
        vhostPath,
    };
}
async function host_facts_readHostFacts(session) {
    const text = await session.readFile(PATHS.hostEnv, { sudo: true });
    if (text === undefined) {
        throw new errors/* CommandError */.Qd(`read ${PATHS.hostEnv}`, null, '', `${session.where} was not provisioned by the indicovm recipe (${PATHS.hostEnv} is missing), so manage does not know its files and units`);
    }
    return hostFactsFrom(parseEnvFile(text.toString('utf8')));
}
/** Component → systemd units, as the recipe names them. */
function unitsOf(component, facts) {
    switch (component) {
        case 'redis':
            return [facts.redisService];
        case 'postgresql':
            return [facts.pgService];
        case 'web':
            return [facts.webService];
        case 'uwsgi':
            return [UNITS.uwsgi];
        case 'celery':
            return [UNITS.celery, UNITS.celeryBeat];
        default:
            throw new Error(`Unknown component ${JSON.stringify(component)}`);
    }
}

;// CONCATENATED MODULE: ./shared/manage/summary.ts
/** A task's row: its changes one per line, or 'failed' and the first line of the error. */
function summaryRow(task, outcome, error) {
    if (outcome === undefined) {
        return [task, 'failed', error instanceof Error ? error.message.split('\n')[0] : String(error)];
    }
    return [task, outcome.changed.length > 0 ? outcome.changed.join('\n') : 'unchanged', outcome.note];
}
/** A task not started because an earlier one failed. */
function skippedRow(task, failed) {
    return [task, 'skipped', `not run: '${failed}' failed before it`];
}
function manageSummary(where, rows) {
    return {
        heading: `indicovm manage: ${where}`,
        tables: [{ header: ['Task', 'Changed', 'Result'], rows: [...rows] }],
    };
}

;// CONCATENATED MODULE: ./shared/manage/task.ts
const TASK_PRODUCTS = [
    'stdout',
    'stderr',
    'exitCode',
    'status',
    'backupPath',
    'backupArtifactId',
    'logsPath',
    'health',
];
/** The products an outcome has, without the rest of it. */
function productsOf(outcome) {
    return Object.fromEntries(TASK_PRODUCTS.flatMap((key) => (outcome[key] !== undefined ? [[key, outcome[key]]] : [])));
}
/** Whether the files `which` selects changed, or may have in an attempt a dropped connection cut short. */
function mustApply(ctx, changed, which) {
    return ctx.resumed === true || changed.some(which);
}

;// CONCATENATED MODULE: ./shared/manage/tasks/backup.ts



const REMOTE_BACKUP_DIR = '/var/backups/indicovm';
/** UTC time as it goes into a file name: 20260125T101500Z. */
function stamp(date) {
    return date
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
}
/**
 * On the VM: pg_dump (custom format) of the database and the archive directory (uploaded files) into
 * one tarball. $1 database, $2 install dir, $3 tarball. Prints the tarball's size.
 */
const BACKUP_SCRIPT = `set -eu
umask 077
db=$1 install=$2 out=$3
mkdir -p "$(dirname "$out")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chown postgres "$work"
runuser -u postgres -- pg_dump -Fc -f "$work/$db.dump" "$db"
set -- -C "$work" "$db.dump"
if [ -d "$install/archive" ]; then set -- "$@" -C "$install" archive; fi
tar -czf "$out.part" "$@"
mv -f "$out.part" "$out"
stat -c %s "$out"
`;
async function backup(ctx) {
    const o = ctx.options;
    const name = `indicovm-backup-${stamp(ctx.now)}.tar.gz`;
    const remote = `${REMOTE_BACKUP_DIR}/${name}`;
    const { stdout } = await ctx.session.exec(['sh', '-c', BACKUP_SCRIPT, 'sh', o.dbName, o.installDir.replace(/\/+$/, ''), remote], { sudo: true });
    const size = Number(stdout.trim().split('\n').at(-1));
    const content = await ctx.session.download(remote, { sudo: true });
    if (content.length !== size) {
        throw new errors/* CommandError */.Qd(`download ${remote}`, null, '', `got ${content.length} of ${size} bytes`);
    }
    const dir = (0,external_node_path_.resolve)(o.backupDir);
    (0,external_node_fs_.mkdirSync)(dir, { recursive: true });
    const local = (0,external_node_path_.join)(dir, name);
    (0,external_node_fs_.writeFileSync)(local, content, { mode: 0o600 });
    const artifactId = o.uploadBackup ? await uploadBackupArtifact(ctx, local) : undefined;
    return {
        changed: [remote],
        note: `${name} (${content.length} bytes; also kept on the VM in ${REMOTE_BACKUP_DIR})` +
            (artifactId !== undefined ? `; artifact ${o.backupArtifactName} (id ${artifactId})` : ''),
        backupPath: local,
        ...(artifactId !== undefined ? { backupArtifactId: artifactId } : {}),
    };
}
/** The local tarball as the workflow artifact backup-artifact-name; its id, when the runner took it. */
async function uploadBackupArtifact(ctx, local) {
    if (!ctx.uploadArtifact) {
        // checkManageOptions refuses upload-backup without an uploader before connecting.
        throw new errors/* ConfigurationError */.j1('upload-backup works in action-manage only.');
    }
    const name = ctx.options.backupArtifactName;
    const days = ctx.options.retentionDays;
    ctx.reporter.warning(`Artifact ${name} holds the Indico database (users, e-mail addresses, password hashes) and the ` +
        "uploaded files: anyone with read access to this repository's Actions can download it for " +
        (days !== undefined ? `${days} days` : "the repository's artifact retention period") +
        '. Keep retention-days short, and leave upload-backup off on public repositories.');
    const id = await ctx.uploadArtifact(name, [local], (0,external_node_path_.dirname)(local));
    if (id !== undefined)
        ctx.reporter.info(`Uploaded ${(0,external_node_path_.basename)(local)} as artifact ${name} (id ${id}).`);
    return id;
}

;// CONCATENATED MODULE: ./shared/manage/base-url.ts
function parseBaseUrl(baseUrl) {
    const url = new URL(baseUrl);
    const port = url.port === '' ? (url.protocol === 'http:' ? 80 : 443) : Number(url.port);
    return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port, path: url.pathname || '/' };
}

;// CONCATENATED MODULE: ./shared/manage/edit/indico-conf.ts

/**
 * indico.conf is Python: each setting is a top-level assignment. Edits replace the whole assignment
 * (its first line and any indented continuation lines) or append one, so the rest of the file, the
 * user's own settings and comments included, stays byte for byte as it was.
 */
const KEY = /^[A-Z][A-Z0-9_]*$/;
/** Lines of a top-level assignment: the `KEY = …` line and the indented or closing lines that follow it. */
function assignmentEnd(lines, start) {
    let end = start + 1;
    while (end < lines.length) {
        const line = lines[end];
        // A continuation is indented, or closes a bracket opened above; anything else starts a new statement.
        if (/^[ \t]/.test(line) || /^[)\]}]/.test(line)) {
            end++;
        }
        else {
            break;
        }
    }
    return end;
}
/**
 * Sets `key = literal` (literal is Python source, e.g. from pythonString). Every existing assignment of
 * the key is replaced (Python would take the last one, so a stale earlier one must not survive either).
 */
function setPythonSetting(text, key, literal) {
    if (!KEY.test(key)) {
        throw new Error(`Not an indico.conf setting name: ${JSON.stringify(key)}`);
    }
    if (/[\r\n]/.test(literal)) {
        throw new Error(`The value of ${key} must be one line of Python source.`);
    }
    const assignment = `${key} = ${literal}`;
    const lines = text.split('\n');
    const pattern = new RegExp(`^${key}\\s*=`);
    const out = [];
    let found = false;
    for (let i = 0; i < lines.length;) {
        if (pattern.test(lines[i])) {
            const end = assignmentEnd(lines, i);
            if (!found)
                out.push(assignment);
            found = true;
            i = end;
        }
        else {
            out.push(lines[i]);
            i++;
        }
    }
    if (found) {
        return out.join('\n');
    }
    const body = text === '' || text.endsWith('\n') ? text : `${text}\n`;
    return `${body}${assignment}\n`;
}
function setPythonSettings(text, settings) {
    return Object.entries(settings).reduce((current, [key, literal]) => setPythonSetting(current, key, literal), text);
}
/** The value of a one-line string setting written as a plain '…' or "…" literal (no escapes), if there is one. */
function readStringSetting(text, key) {
    const match = new RegExp(`^${key}\\s*=\\s*(['"])([^'"\\\\\\n]*)\\1\\s*(?:#.*)?$`, 'm').exec(text);
    return match?.[2];
}
/** CELERY_BROKER (database 0) and REDIS_CACHE_URL (database 1), as the recipe writes them. */
function redisSettings(redis) {
    const host = redis.host.includes(':') ? `[${redis.host.replace(/^\[|\]$/g, '')}]` : redis.host;
    const base = `redis://:${(0,url_encoding/* urlUserInfo */.D)(redis.password)}@${host}:${redis.port}`;
    return {
        CELERY_BROKER: pythonString(`${base}/0`),
        REDIS_CACHE_URL: pythonString(`${base}/1`),
    };
}
function smtpSettings(smtp) {
    return {
        SMTP_SERVER: `(${pythonString(smtp.server)}, ${smtp.port})`,
        SMTP_USE_TLS: smtp.useTls ? 'True' : 'False',
        SMTP_LOGIN: pythonString(smtp.login),
        SMTP_PASSWORD: pythonString(smtp.password),
    };
}

;// CONCATENATED MODULE: ./shared/manage/remote/file-edit.ts

/**
 * Changing files on the VM as one step: each new content goes to a staging file beside its target
 * (over SFTP, so secrets never appear in a command line), is checked where the file has a checker of
 * its own, then every target is kept once as `<file>.indicovm.bak` and replaced by rename. A config
 * test that needs the files in place (nginx -t, apachectl configtest) runs after the swap and before
 * any reload; when it fails, every file is put back from its backup, so the running service never
 * sees the rejected content.
 */
const BACKUP_SUFFIX = '.indicovm.bak';
const STAGING_SUFFIX = '.indicovm-new';
/**
 * Mode, owner, group and content of each path in one command (one round trip, however many files).
 * A staging file (and its upload's temporary sibling) that a run cut short by a lost connection left
 * beside a target is removed on the way. The content may be a key: on failure the output is not
 * quoted in the error.
 */
async function readAll(session, paths) {
    const script = [
        'for f in "$@"; do',
        `  rm -f -- "$f${STAGING_SUFFIX}" "\${f%/*}/.\${f##*/}${STAGING_SUFFIX}.indicovm-"*`,
        '  if [ -f "$f" ]; then printf "%s " "$(stat -c "%a %U %G" -- "$f")"; base64 -w0 -- "$f"; echo; else echo missing; fi',
        'done',
    ].join('\n');
    const result = await session.exec(['sh', '-c', script, 'sh', ...paths], { sudo: true, allowFailure: true });
    const lines = result.stdout.split('\n');
    if (result.code !== 0 || lines.length < paths.length) {
        throw new errors/* CommandError */.Qd(`read ${paths.join(', ')}`, result.code, '', 'could not read the files to change');
    }
    return paths.map((_, i) => {
        const line = lines[i];
        if (line === 'missing')
            return undefined;
        const [mode, owner, group, data = ''] = line.split(' ');
        return {
            mode: parseInt(mode, 8),
            owner: owner,
            group: group,
            content: Buffer.from(data, 'base64').toString('utf8'),
        };
    });
}
/** Applies the changes; returns the paths whose content changed (empty when everything was already so). */
async function changeFiles(session, changes, options = {}) {
    if (changes.length === 0)
        return [];
    const files = await readAll(session, changes.map((c) => c.path));
    const staged = [];
    const contents = new Map();
    for (const [i, change] of changes.entries()) {
        const file = files[i];
        if (file === undefined && change.onlyIfExists)
            continue;
        const next = change.edit(file?.content);
        const mode = change.forceMode || file === undefined ? (change.mode ?? 0o644) : file.mode;
        if (file !== undefined && next === file.content && file.mode === mode)
            continue;
        contents.set(change.path, next);
        staged.push({
            change: {
                ...change,
                mode,
                owner: file?.owner ?? change.owner ?? 'root',
                group: file?.group ?? change.group ?? 'root',
            },
            existed: file !== undefined,
        });
    }
    if (staged.length === 0)
        return [];
    const stagingOf = (path) => `${path}${STAGING_SUFFIX}`;
    const removeStaged = () => session.exec(['rm', '-f', '--', ...staged.map((s) => stagingOf(s.change.path))], {
        sudo: true,
        allowFailure: true,
    });
    try {
        for (const { change } of staged) {
            await session.upload(contents.get(change.path), stagingOf(change.path), {
                sudo: true,
                mode: change.mode,
                owner: change.owner,
                group: change.group,
            });
            await change.check?.(stagingOf(change.path));
        }
    }
    catch (error) {
        await removeStaged();
        throw error;
    }
    // $1 = number of files; then per file: target, existed (1/0). Backups keep mode and owner (cp -p).
    const swap = [
        'set -e',
        'while [ $# -gt 0 ]; do',
        '  if [ "$2" = 1 ]; then cp -p -- "$1" "$1' + BACKUP_SUFFIX + '"; fi',
        '  mv -f -- "$1' + STAGING_SUFFIX + '" "$1"',
        '  shift 2',
        'done',
    ].join('\n');
    const pairs = staged.flatMap((s) => [s.change.path, s.existed ? '1' : '0']);
    await session.exec(['sh', '-c', swap, 'sh', ...pairs], { sudo: true });
    if (options.testInPlace) {
        try {
            await options.testInPlace(staged.map((s) => s.change.path));
        }
        catch (error) {
            const restore = [
                'while [ $# -gt 0 ]; do',
                '  if [ "$2" = 1 ]; then cp -p -- "$1' + BACKUP_SUFFIX + '" "$1"; else rm -f -- "$1"; fi',
                '  shift 2',
                'done',
            ].join('\n');
            await session.exec(['sh', '-c', restore, 'sh', ...pairs], { sudo: true, allowFailure: true });
            if (error instanceof errors/* CommandError */.Qd) {
                throw new errors/* CommandError */.Qd(error.command, error.exitCode, error.outputTail, 'the previous files were put back');
            }
            throw error;
        }
    }
    return staged.map((s) => s.change.path);
}
/** Compiles a staged indico.conf with the VM's python3; reports only the line and the kind of error (the line may hold a secret). */
async function checkPythonSyntax(session, path) {
    const program = [
        'import sys',
        'try:',
        '    compile(open(sys.argv[1], encoding="utf-8").read(), sys.argv[1], "exec")',
        'except SyntaxError as e:',
        '    print("indico.conf: %s at line %s" % (e.msg, e.lineno), file=sys.stderr)',
        '    sys.exit(1)',
    ].join('\n');
    await session.exec(['python3', '-c', program, path], { sudo: true });
}

;// CONCATENATED MODULE: ./shared/manage/tasks/indico-conf-files.ts



const indicoConfPath = (ctx) => `${ctx.options.installDir.replace(/\/+$/, '')}/etc/indico.conf`;
const indicoConfTemplatePath = `${PATHS.templateDir}/indico.conf`;
/**
 * The same settings in the live indico.conf and in its template: the first-boot script re-renders the
 * live file from the template (`apply`, and `regenerate` on a new instance), so a change made only
 * in the live file would be undone there.
 */
function indicoConfChanges(ctx, settings) {
    const check = (path) => checkPythonSyntax(ctx.session, path);
    const edit = (current) => setPythonSettings(current ?? '', settings);
    return [
        { path: indicoConfPath(ctx), edit, mode: 0o640, check },
        { path: indicoConfTemplatePath, edit, check, onlyIfExists: true },
    ];
}
const INDICO_UNITS_NOTE = 'Indico units restarted only where they run';

;// CONCATENATED MODULE: ./shared/manage/tasks/health.ts






/** GET path over TLS to 127.0.0.1:port, as a browser asking for host would (SNI and Host header). */
function probeHttps(port, host, hostHeader, path, timeoutMs = 30_000) {
    return new Promise((resolve, reject) => {
        const req = (0,external_node_https_.request)({
            host: '127.0.0.1',
            port,
            path,
            method: 'GET',
            headers: { Host: hostHeader },
            ...((0,external_node_net_.isIP)(host) ? {} : { servername: host }),
            // The probe asks whether the server answers; the certificate is reported, not judged.
            rejectUnauthorized: false,
            timeout: timeoutMs,
        }, (res) => {
            const certificate = res.socket.getPeerCertificate?.()?.fingerprint256 ?? '';
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, certificate }));
        });
        req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
        req.on('error', reject);
        req.end();
    });
}
async function health(ctx) {
    const conf = (await ctx.session.readFile(indicoConfPath(ctx), { sudo: true }))?.toString('utf8') ?? '';
    const baseUrl = readStringSetting(conf, 'BASE_URL');
    if (baseUrl === undefined) {
        throw new errors/* CommandError */.Qd('health', null, '', `no BASE_URL in ${indicoConfPath(ctx)}`);
    }
    const url = parseBaseUrl(baseUrl);
    const hostHeader = `${url.host.includes(':') ? `[${url.host}]` : url.host}${url.port === 443 ? '' : `:${url.port}`}`;
    const forward = await ctx.session.forwardLocal('127.0.0.1', url.port);
    let probe;
    try {
        probe = await probeHttps(forward.port, url.host, hostHeader, url.path);
    }
    catch (error) {
        throw new errors/* CommandError */.Qd(`GET ${baseUrl}`, null, '', `no HTTPS answer on the VM's port ${url.port}: ${(0,errors/* errorMessage */.gJ)(error)}`);
    }
    finally {
        await forward.close();
    }
    const ok = probe.status >= 200 && probe.status < 400;
    if (!ok) {
        ctx.reporter.warning(`${baseUrl} answered ${probe.status}.`);
    }
    return {
        changed: [],
        note: `${baseUrl} → HTTP ${probe.status}`,
        health: { url: baseUrl, status: probe.status, ok, certificate: probe.certificate },
    };
}

;// CONCATENATED MODULE: ./shared/manage/edit/apache.ts
/**
 * Edits of the recipe's Apache vhost: the `Listen` lines it adds for non-default ports, the two
 * <VirtualHost *:port> blocks (the one with `SSLEngine on` is the HTTPS one), ServerName, the
 * redirects to BASE_URL, the Host check and the TLS files.
 */
const directive = (name) => new RegExp(`^(\\s*${name}\\s+)(\\S+)(.*)$`, 'i');
const SSL_CERT = directive('SSLCertificateFile');
const SSL_KEY = directive('SSLCertificateKeyFile');
const SERVER_NAME = directive('ServerName');
/** Which <VirtualHost> each line is in (-1 outside), and whether that block turns TLS on. */
function blocks(lines) {
    const index = [];
    const tls = [];
    let current = -1;
    for (const line of lines) {
        if (/^\s*<VirtualHost\s/i.test(line)) {
            current = tls.length;
            tls.push(false);
        }
        index.push(current);
        if (current >= 0 && /^\s*SSLEngine\s+on\b/i.test(line))
            tls[current] = true;
        if (/^\s*<\/VirtualHost>/i.test(line))
            current = -1;
    }
    return { index, tls };
}
function editApacheVhost(text, edits) {
    const lines = text.split('\n');
    const { index, tls } = blocks(lines);
    const out = [];
    let httpPort = edits.httpPort;
    let httpsPort = edits.httpsPort;
    // Ports not being edited keep their value; they decide the Listen lines below.
    lines.forEach((line, i) => {
        const m = /^\s*<VirtualHost\s+\*:(\d+)>/i.exec(line);
        if (m) {
            if (tls[index[i]])
                httpsPort ??= Number(m[1]);
            else
                httpPort ??= Number(m[1]);
        }
    });
    const changingPorts = edits.httpPort !== undefined || edits.httpsPort !== undefined;
    let afterListen = false;
    lines.forEach((line, i) => {
        const outside = index[i] === -1;
        if (changingPorts && outside && /^\s*Listen\s+\d+/i.test(line)) {
            afterListen = true;
            return; // written again in front of the first <VirtualHost> below
        }
        if (afterListen && line.trim() === '')
            return;
        afterListen = false;
        if (/^\s*#/.test(line)) {
            out.push(line);
            return;
        }
        const inTls = index[i] >= 0 && tls[index[i]];
        let m;
        if ((m = /^(\s*<VirtualHost\s+\*:)(\d+)(>.*)$/i.exec(line))) {
            if (changingPorts && index[i] === 0) {
                const listen = [];
                if (httpPort !== undefined && httpPort !== 80)
                    listen.push(`Listen ${httpPort}`);
                if (httpsPort !== undefined && httpsPort !== 443)
                    listen.push(`Listen ${httpsPort} https`);
                if (listen.length > 0)
                    out.push(...listen, '');
            }
            const port = inTls ? httpsPort : httpPort;
            out.push(`${m[1]}${port ?? m[2]}${m[3]}`);
            return;
        }
        if (edits.serverName !== undefined && (m = SERVER_NAME.exec(line))) {
            out.push(`${m[1]}${edits.serverName}${m[3]}`);
            return;
        }
        if (edits.baseUrl !== undefined &&
            (m = /^(\s*RewriteRule\s+\S+\s+)https?:\/\/[^\s$]+(\$1\s.*)$/i.exec(line))) {
            out.push(`${m[1]}${edits.baseUrl}${m[2]}`);
            return;
        }
        if (edits.baseUrl !== undefined &&
            (m = /^(\s*Redirect\s+30[12]\s+\/\s+)https?:\/\/\S+?\/?(\s*)$/i.exec(line))) {
            out.push(`${m[1]}${edits.baseUrl}/${m[2]}`);
            return;
        }
        if (edits.serverName !== undefined &&
            httpsPort !== undefined &&
            (m = /^(\s*)<If "%\{HTTP_HOST\} != '[^']*' && %\{HTTP_HOST\} != '[^']*'">(.*)$/.exec(line))) {
            out.push(`${m[1]}<If "%{HTTP_HOST} != '${edits.serverName}' && %{HTTP_HOST} != '${edits.serverName}:${httpsPort}'">${m[2]}`);
            return;
        }
        if (edits.certPath !== undefined && (m = SSL_CERT.exec(line))) {
            out.push(`${m[1]}${edits.certPath}${m[3]}`);
            return;
        }
        if (edits.keyPath !== undefined && (m = SSL_KEY.exec(line))) {
            out.push(`${m[1]}${edits.keyPath}${m[3]}`);
            return;
        }
        out.push(line);
    });
    return out.join('\n');
}
function apacheTlsPaths(text) {
    const find = (re) => {
        for (const line of text.split('\n')) {
            const m = re.exec(line);
            if (m && !/^\s*#/.test(line))
                return m[2];
        }
        return undefined;
    };
    const cert = find(SSL_CERT);
    const key = find(SSL_KEY);
    return { ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}
/** The port of the <VirtualHost> that turns TLS on. */
function apacheTlsPort(text) {
    const lines = text.split('\n');
    const { index, tls } = blocks(lines);
    for (const [i, line] of lines.entries()) {
        const m = /^\s*<VirtualHost\s+\*:(\d+)>/i.exec(line);
        if (m && tls[index[i]])
            return Number(m[1]);
    }
    return undefined;
}

;// CONCATENATED MODULE: ./shared/manage/edit/nginx.ts
/**
 * Edits of the recipe's nginx vhost (/etc/nginx/conf.d/indico.conf), line by line: the directives
 * that carry the server name, the ports, BASE_URL and the TLS files are rewritten in place and
 * everything else is left alone. Values are host names, ports and config-safe paths (checked by the
 * option kinds), so none needs quoting in nginx syntax.
 */
const LISTEN = /^(\s*listen\s+)((?:\[[0-9A-Fa-f:.]*\]|[0-9.]+|\*)(?::))?(\d+)((?:\s+[^;\s]+)*\s*;.*)$/;
const nginx_SERVER_NAME = /^(\s*server_name\s+)[^;]*(;.*)$/;
const REDIRECT = /^(\s*return\s+30[12]\s+)https?:\/\/[^\s;$]+(\$request_uri\s*;.*)$/;
const nginx_directive = (name) => new RegExp(`^(\\s*${name}\\s+)[^;\\s]+(\\s*;.*)$`);
const nginx_SSL_CERT = nginx_directive('ssl_certificate');
const nginx_SSL_KEY = nginx_directive('ssl_certificate_key');
function editNginxVhost(text, edits) {
    return text
        .split('\n')
        .map((line) => {
        if (/^\s*#/.test(line))
            return line;
        let m;
        if ((m = LISTEN.exec(line))) {
            const isTls = /\sssl\b/.test(m[4]);
            const port = isTls ? edits.httpsPort : edits.httpPort;
            return port === undefined ? line : `${m[1]}${m[2] ?? ''}${port}${m[4]}`;
        }
        if (edits.serverName !== undefined && (m = nginx_SERVER_NAME.exec(line))) {
            return `${m[1]}${edits.serverName}${m[2]}`;
        }
        if (edits.baseUrl !== undefined && (m = REDIRECT.exec(line))) {
            return `${m[1]}${edits.baseUrl}${m[2]}`;
        }
        if (edits.certPath !== undefined && (m = nginx_SSL_CERT.exec(line))) {
            return `${m[1]}${edits.certPath}${m[2]}`;
        }
        if (edits.keyPath !== undefined && (m = nginx_SSL_KEY.exec(line))) {
            return `${m[1]}${edits.keyPath}${m[2]}`;
        }
        return line;
    })
        .join('\n');
}
/** The TLS files the vhost names, so load-ssl replaces the ones nginx actually serves. */
function nginxTlsPaths(text) {
    const find = (re) => {
        for (const line of text.split('\n')) {
            const m = re.exec(line);
            if (m && !/^\s*#/.test(line))
                return line.slice(m[1].length).replace(/\s*;.*$/, '');
        }
        return undefined;
    };
    const cert = find(nginx_SSL_CERT);
    const key = find(nginx_SSL_KEY);
    return { ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}
/** The port of the first `listen … ssl` directive. */
function nginxTlsPort(text) {
    for (const line of text.split('\n')) {
        const m = LISTEN.exec(line);
        if (m && !/^\s*#/.test(line) && /\sssl\b/.test(m[4]))
            return Number(m[3]);
    }
    return undefined;
}

;// CONCATENATED MODULE: ./shared/manage/edit/vhost.ts


/** The vhost with the edits made (an absent file reads as empty). */
function editVhost(webServer, current, edits) {
    return webServer === 'nginx' ? editNginxVhost(current ?? '', edits) : editApacheVhost(current ?? '', edits);
}
/** The certificate and key files the HTTPS vhost names. */
function vhostTlsPaths(webServer, text) {
    return webServer === 'nginx' ? nginxTlsPaths(text) : apacheTlsPaths(text);
}
/** The port the HTTPS vhost listens on. */
function vhostTlsPort(webServer, text) {
    return webServer === 'nginx' ? nginxTlsPort(text) : apacheTlsPort(text);
}

;// CONCATENATED MODULE: ./shared/manage/edit/shell-assignment.ts

/**
 * The first-boot script (/usr/local/sbin/indicovm-firstboot) keeps a few facts as `NAME=value` lines
 * at its top (SERVER_NAME for the self-signed certificate, SELF_SIGNED). Changing them keeps a later
 * `indicovm-firstboot regenerate|apply` in line with what manage changed.
 */
function setShellAssignment(text, name, value) {
    const pattern = new RegExp(`^${name}=.*$`, 'm');
    if (!pattern.test(text)) {
        return text; // not a recipe-written script (or an older one): leave it alone
    }
    return text.replace(pattern, `${name}=${quote(value)}`);
}

;// CONCATENATED MODULE: ./shared/manage/remote/services.ts
/** The web server's own config test: nginx -t, or apachectl configtest (httpd -t on EL). */
async function testWebConfig(session, facts) {
    const argv = facts.webServer === 'nginx'
        ? ['nginx', '-t', '-q']
        : facts.webService === 'httpd'
            ? ['httpd', '-t']
            : ['apachectl', 'configtest'];
    await session.exec(argv, { sudo: true });
}
/** systemctl VERB units…; returns "unit (verb)" lines for the result. */
async function systemctl(session, verb, units) {
    if (units.length === 0)
        return [];
    await session.exec(['systemctl', verb, '--', ...units], { sudo: true });
    return units.map((unit) => `${unit} (${verb})`);
}
/** Restarts those units that are running: a unit that is stopped on purpose (or cannot start yet) stays so. */
async function restartRunning(session, units) {
    if (units.length === 0)
        return [];
    const script = 'for u in "$@"; do if systemctl is-active --quiet "$u"; then systemctl restart "$u" && echo "$u"; fi; done';
    const { stdout } = await session.exec(['sh', '-c', script, 'sh', ...units], { sudo: true });
    return stdout
        .split('\n')
        .filter(Boolean)
        .map((unit) => `${unit} (restarted)`);
}
/** Reloads units that run; starts them when they do not (a reload of a stopped unit fails). */
async function reloadOrStart(session, units) {
    if (units.length === 0)
        return [];
    await session.exec(['systemctl', 'reload-or-restart', '--', ...units], { sudo: true });
    return units.map((unit) => `${unit} (reloaded)`);
}

;// CONCATENATED MODULE: ./shared/manage/remote/tls-probe.ts



/** SHA-256 fingerprint of the certificate served on the VM's 127.0.0.1:port, through an SSH tunnel. */
async function servedCertificate(session, port, timeoutMs = 10_000) {
    const forward = await session.forwardLocal('127.0.0.1', port);
    try {
        return await new Promise((resolve, reject) => {
            const socket = (0,external_node_tls_.connect)({ host: '127.0.0.1', port: forward.port, rejectUnauthorized: false, timeout: timeoutMs }, () => {
                const fingerprint = socket.getPeerCertificate().fingerprint256;
                socket.end();
                resolve(fingerprint);
            });
            socket.on('timeout', () => socket.destroy(new Error('no TLS handshake')));
            socket.on('error', reject);
        });
    }
    finally {
        await forward.close();
    }
}
/**
 * A reload returns before the web server's new workers answer (nginx -s reload only signals the
 * master); this waits until the port serves the expected certificate, so the task ends when the
 * change is live and a failure to take effect is reported here rather than found later.
 */
async function waitForCertificate(session, port, fingerprint, timeoutMs = 60_000) {
    let last = '';
    try {
        await waitFor(`port ${port} to serve ${fingerprint}`, { timeoutMs, pollMs: 500 }, async () => {
            try {
                last = await servedCertificate(session, port);
                if (last === fingerprint)
                    return true;
                last = `it serves ${last}`;
            }
            catch (error) {
                last = (0,errors/* errorMessage */.gJ)(error);
            }
            return undefined;
        });
    }
    catch (error) {
        if (!(error instanceof WaitTimeoutError))
            throw error;
        throw new errors/* CommandError */.Qd(`TLS check of port ${port}`, null, '', `the web server did not serve the certificate ${fingerprint} within ${timeoutMs / 1000} s (${last})`);
    }
}

;// CONCATENATED MODULE: ./shared/manage/tls-check.ts



const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
function splitPemCertificates(text) {
    return (text.replace(/\r\n/g, '\n').match(PEM_CERT) ?? []).map((pem) => pem.trim() + '\n');
}
function parse(name, pem) {
    try {
        return new external_node_crypto_.X509Certificate(pem);
    }
    catch {
        throw new errors/* ConfigurationError */.j1(`${name} is not a readable PEM certificate.`);
    }
}
let publicRoots;
/** Whether a publicly trusted root (the Mozilla store node ships) issued and signed this certificate. */
function issuedByPublicRoot(cert) {
    publicRoots ??= external_node_tls_.rootCertificates.map((pem) => new external_node_crypto_.X509Certificate(pem));
    return publicRoots.some((root) => cert.checkIssued(root) && cert.verify(root.publicKey));
}
function checkTls(certText, keyText, chainText, now = new Date()) {
    const certPems = splitPemCertificates(certText);
    if (certPems.length === 0) {
        throw new errors/* ConfigurationError */.j1('ssl-cert must be a PEM certificate (-----BEGIN CERTIFICATE-----).');
    }
    // A "fullchain" file given as ssl-cert brings its chain with it.
    const chainPems = [...certPems.slice(1), ...splitPemCertificates(chainText ?? '')];
    if (chainText !== undefined && chainText.trim() !== '' && splitPemCertificates(chainText).length === 0) {
        throw new errors/* ConfigurationError */.j1('ssl-chain must be PEM certificates (-----BEGIN CERTIFICATE-----).');
    }
    const leaf = parse('ssl-cert', certPems[0]);
    const chain = chainPems.map((pem, i) => parse(`certificate ${i + 1} of ssl-chain`, pem));
    let key;
    try {
        key = (0,external_node_crypto_.createPrivateKey)(keyText);
    }
    catch {
        // The parser's message is left out on purpose: it could quote the key.
        throw new errors/* ConfigurationError */.j1('ssl-key is not a readable, unencrypted PEM private key.');
    }
    if (!leaf.checkPrivateKey(key)) {
        throw new errors/* ConfigurationError */.j1(`ssl-key does not belong to the certificate in ssl-cert (${leaf.subject.replace(/\n/g, ', ')}).`);
    }
    if (new Date(leaf.validTo) < now) {
        throw new errors/* ConfigurationError */.j1(`The certificate in ssl-cert expired on ${leaf.validTo}.`);
    }
    const all = [leaf, ...chain];
    for (let i = 0; i + 1 < all.length; i++) {
        if (!all[i].checkIssued(all[i + 1]) || !all[i].verify(all[i + 1].publicKey)) {
            throw new errors/* ConfigurationError */.j1(`The chain is broken: certificate ${i === 0 ? 'ssl-cert' : `${i} of ssl-chain`} (${all[i].subject.replace(/\n/g, ', ')}) ` +
                `is not issued by the next one (${all[i + 1].subject.replace(/\n/g, ', ')}). Give ssl-chain in order, leaf's issuer first.`);
        }
    }
    const last = all.at(-1);
    const endsAtRoot = last.checkIssued(last) && last.verify(last.publicKey);
    if (!endsAtRoot && !issuedByPublicRoot(last)) {
        const which = all.length === 1 ? 'ssl-cert' : `the last certificate of ssl-chain`;
        const issuer = last.issuer.replace(/\n/g, ', ');
        throw new errors/* ConfigurationError */.j1(`The chain is incomplete: ${which} (${last.subject.replace(/\n/g, ', ')}) is issued by ${issuer}, ` +
            'which is neither given nor a publicly trusted root. ' +
            `Add the certificate of ${issuer} to ssl-chain: the intermediate certificates your CA gave you, ` +
            "in order from the leaf's issuer up, and for a private CA its root certificate last.");
    }
    return {
        // Served as given, like the recipe does: leaf first, then the chain.
        fullChainPem: [certPems[0], ...chainPems].join(''),
        endsAtRoot,
        issuer: last.issuer.replace(/\n/g, ', '),
        keyPem: keyText.replace(/\r\n/g, '\n').trim() + '\n',
        subject: leaf.subject.replace(/\n/g, ', '),
        notAfter: leaf.validTo,
        fingerprint256: leaf.fingerprint256,
    };
}

;// CONCATENATED MODULE: ./shared/manage/tasks/load-ssl.ts









const DEFAULT_CERT = '/etc/ssl/indico/indico.crt';
const DEFAULT_KEY = '/etc/ssl/indico/indico.key';
/** The certificate, key and chain inputs (PEM text or paths), read and checked locally. */
function checkedTls(o) {
    const pem = readPemInputs({ sslCert: o.sslCert, sslKey: o.sslKey, sslChain: o.sslChain });
    return checkTls(pem.sslCert ?? '', pem.sslKey?.reveal() ?? '', pem.sslChain);
}
/**
 * Installs a given certificate where the vhost already points (the recipe's ssl-dir), or where it
 * should point when the vhost names none; the first-boot script is told the certificate is given
 * (SELF_SIGNED=no), so a later `regenerate` keeps it instead of making a self-signed one.
 */
async function loadSsl(ctx) {
    const tls = checkedTls(ctx.options);
    ctx.reporter.info(`Certificate ${tls.subject}, valid until ${tls.notAfter}; key matches; chain complete, up to ${tls.endsAtRoot ? `the given root ${tls.issuer}` : `the publicly trusted root ${tls.issuer}`}.`);
    const facts = await ctx.facts();
    const vhost = (await ctx.session.readFile(facts.vhostPath, { sudo: true }))?.toString('utf8') ?? '';
    const named = vhostTlsPaths(facts.webServer, vhost);
    const certPath = named.cert ?? DEFAULT_CERT;
    const keyPath = named.key ?? DEFAULT_KEY;
    const changed = await changeFiles(ctx.session, [
        { path: certPath, edit: () => tls.fullChainPem, mode: 0o644 },
        { path: keyPath, edit: () => tls.keyPem, mode: 0o600, forceMode: true, owner: 'root', group: 'root' },
        {
            path: facts.vhostPath,
            edit: (current) => editVhost(facts.webServer, current, { certPath, keyPath }),
            onlyIfExists: true,
        },
        {
            path: PATHS.firstbootScript,
            edit: (current) => setShellAssignment(current ?? '', 'SELF_SIGNED', 'no'),
            onlyIfExists: true,
        },
    ], { testInPlace: () => testWebConfig(ctx.session, facts) });
    const webChanged = mustApply(ctx, changed, (path) => path !== PATHS.firstbootScript);
    const services = webChanged ? await reloadOrStart(ctx.session, [facts.webService]) : [];
    const port = vhostTlsPort(facts.webServer, vhost);
    if (webChanged && port !== undefined) {
        await waitForCertificate(ctx.session, port, tls.fingerprint256);
    }
    return {
        changed: [...changed, ...services],
        note: changed.length > 0 ? `installed ${tls.subject} (${tls.fingerprint256})` : 'unchanged',
    };
}

;// CONCATENATED MODULE: ./shared/manage/tasks/logs.ts




const LINES = 2000;
/** The journal of the components' units (last lines, ISO times), saved beside the backups. */
async function logs(ctx) {
    const facts = await ctx.facts();
    const units = ctx.options.components.flatMap((component) => unitsOf(component, facts));
    const { stdout } = await ctx.session.exec(['journalctl', '--no-pager', '-o', 'short-iso', '-n', String(LINES), ...units.flatMap((u) => ['-u', u])], { sudo: true });
    const dir = (0,external_node_path_.resolve)(ctx.options.backupDir);
    (0,external_node_fs_.mkdirSync)(dir, { recursive: true });
    const local = (0,external_node_path_.join)(dir, `indicovm-logs-${stamp(ctx.now)}.txt`);
    (0,external_node_fs_.writeFileSync)(local, stdout, { mode: 0o600 });
    const lines = stdout.split('\n').filter(Boolean).length;
    return { changed: [], note: `${lines} journal lines of ${units.join(', ')} → ${local}`, logsPath: local };
}

;// CONCATENATED MODULE: ./shared/manage/tasks/run.ts



/** The user's script as a file: `set -e`, then the variables from `envs`, then the script as given. */
function runScriptText(script, envs) {
    const exports = Object.entries(envs).map(([name, value]) => `export ${name}=${quote(value)}`);
    return ['set -e', ...exports, script.replace(/\r\n/g, '\n'), ''].join('\n');
}
/**
 * Runs the script as the SSH user with bash. It is uploaded (not piped to `bash -s`), so a command in
 * it that reads standard input cannot swallow the rest of the script, and the env values never
 * appear in a command line.
 */
async function runTask(ctx) {
    const path = `/tmp/indicovm-run-${(0,external_node_crypto_.randomBytes)(8).toString('hex')}.sh`;
    await ctx.session.upload(runScriptText(ctx.options.script ?? '', ctx.options.envs), path, { mode: 0o700 });
    let result;
    try {
        result = await ctx.session.exec(['bash', path], {
            allowFailure: true,
            onStdout: (text) => ctx.reporter.relay(text.replace(/\n$/, '')),
            onStderr: (text) => ctx.reporter.relay(text.replace(/\n$/, '')),
        });
    }
    finally {
        await ctx.session.exec(['rm', '-f', '--', path], { allowFailure: true });
    }
    // Like $(…) in a shell: the final newline is not part of the value. A script ended by a signal has
    // no exit code; 255 is what ssh reports for it.
    const output = {
        stdout: result.stdout.replace(/\n$/, ''),
        stderr: result.stderr.replace(/\n$/, ''),
        exitCode: result.code ?? 255,
    };
    if (output.exitCode !== 0) {
        throw new RunScriptError(output.exitCode, result.stderr.slice(-4000) || result.stdout.slice(-4000), output);
    }
    return { changed: [], note: `exit 0, ${result.stdout.length} bytes of output`, ...output };
}
/** The script failed: what it printed and its exit code are still outputs, as a shell step's are. */
class RunScriptError extends errors/* CommandError */.Qd {
    output;
    constructor(exitCode, tail, output) {
        super('the run script', exitCode, tail);
        this.output = output;
    }
}

;// CONCATENATED MODULE: ./shared/manage/status.ts
/** `systemctl is-active` / `is-enabled` answers, per unit and per component. */
/** Lines of `<unit> <is-active> <is-enabled>` (our own status script's output). */
function parseUnitStates(output) {
    const states = new Map();
    for (const line of output.split('\n')) {
        const [unit, active, enabled] = line.trim().split(/\s+/);
        if (unit && active) {
            states.set(unit, { active, enabled: enabled && enabled !== '' ? enabled : 'unknown' });
        }
    }
    return states;
}
const ACTIVE_RANK = ['failed', 'activating', 'deactivating', 'reloading', 'inactive', 'unknown', 'active'];
/** A component with several units (celery: worker and beat) is as healthy as its worst unit. */
function componentState(units, states) {
    const own = units.map((unit) => [unit, states.get(unit) ?? { active: 'unknown', enabled: 'unknown' }]);
    const rank = (state) => {
        const i = ACTIVE_RANK.indexOf(state);
        return i === -1 ? ACTIVE_RANK.indexOf('unknown') : i;
    };
    const worst = own.reduce((a, b) => (rank(b[1].active) < rank(a[1].active) ? b : a));
    const enabled = own.every(([, s]) => s.enabled === own[0][1].enabled)
        ? own[0][1].enabled
        : own.map(([, s]) => s.enabled).join(',');
    return { active: worst[1].active, enabled, units: Object.fromEntries(own) };
}

;// CONCATENATED MODULE: ./shared/manage/tasks/services.ts



async function unitsFor(ctx) {
    const facts = await ctx.facts();
    return ctx.options.components.map((component) => ({ component, units: unitsOf(component, facts) }));
}
function serviceTask(verb) {
    return async (ctx) => {
        const groups = await unitsFor(ctx);
        // Stop in reverse order: the web server and Indico go before the databases they use.
        const ordered = verb === 'stop' ? [...groups].reverse() : groups;
        const changed = await systemctl(ctx.session, verb, ordered.flatMap((g) => g.units));
        return { changed, note: `${verb}: ${groups.map((g) => g.component).join(', ')}` };
    };
}
const STATUS_SCRIPT = 'for u in "$@"; do printf "%s %s %s\\n" "$u" "$(systemctl is-active "$u" 2>/dev/null)" "$(systemctl is-enabled "$u" 2>/dev/null)"; done';
async function services_status(ctx) {
    const groups = await unitsFor(ctx);
    const { stdout } = await ctx.session.exec(['sh', '-c', STATUS_SCRIPT, 'sh', ...groups.flatMap((g) => g.units)], {
        sudo: true,
    });
    const states = parseUnitStates(stdout);
    const result = {};
    const notes = [];
    for (const { component, units } of groups) {
        const state = componentState(units, states);
        result[component] = state;
        notes.push(`${component} ${state.active}/${state.enabled}`);
    }
    return { changed: [], note: notes.join(', '), status: result };
}

;// CONCATENATED MODULE: ./shared/manage/edit/redis.ts

/**
 * The Redis drop-in (/etc/redis/indico.conf, included last from redis.conf): one directive per line.
 * redis has no config test that reads a file without starting a server, so what we write is checked
 * here instead: every directive we set must read back, by Redis's own splitting rules, as the value.
 */
const isSpace = (c) => c !== undefined && /\s/.test(String.fromCharCode(c));
const hex = (c) => (c === undefined ? NaN : parseInt(String.fromCharCode(c), 16));
const C_ESCAPES = { n: 10, r: 13, t: 9, b: 8, a: 7 };
const doubleQuoteEscape = (bytes, i) => {
    if (bytes[i + 1] === 0x78 /* x */ && !isNaN(hex(bytes[i + 2])) && !isNaN(hex(bytes[i + 3])))
        return [hex(bytes[i + 2]) * 16 + hex(bytes[i + 3]), 4];
    const next = bytes[i + 1];
    return next === undefined ? undefined : [C_ESCAPES[String.fromCharCode(next)] ?? next, 2];
};
const singleQuoteEscape = (bytes, i) => (bytes[i + 1] === 0x27 ? [0x27, 2] : undefined);
/** The quoted word opening at bytes[start] and the index after it; none when it is unterminated or runs on. */
function quotedWord(bytes, start, escape) {
    const quote = bytes[start];
    const word = [];
    let i = start + 1;
    while (i < bytes.length) {
        const c = bytes[i];
        const escaped = c === 0x5c ? escape(bytes, i) : undefined;
        if (escaped) {
            word.push(escaped[0]);
            i += escaped[1];
        }
        else if (c === quote) {
            // Like Redis: a closing quote must end the word.
            return i + 1 < bytes.length && !isSpace(bytes[i + 1]) ? undefined : { word, end: i + 1 };
        }
        else {
            word.push(c);
            i++;
        }
    }
    return undefined;
}
/** Redis's sdssplitargs for one line: words, "double-quoted" with \\, \", \n, \r, \t, \a, \b, \xHH, and 'single-quoted'. */
function splitRedisArgs(line) {
    const args = [];
    const bytes = Buffer.from(line, 'utf8');
    let i = 0;
    for (;;) {
        while (isSpace(bytes[i]))
            i++;
        if (i >= bytes.length)
            return args;
        const q = bytes[i];
        const escape = q === 0x22 ? doubleQuoteEscape : q === 0x27 ? singleQuoteEscape : undefined;
        if (escape) {
            const quoted = quotedWord(bytes, i, escape);
            if (!quoted)
                return undefined;
            args.push(Buffer.from(quoted.word).toString('utf8'));
            i = quoted.end;
        }
        else {
            const from = i;
            while (i < bytes.length && !isSpace(bytes[i]))
                i++;
            args.push(bytes.subarray(from, i).toString('utf8'));
        }
    }
}
/** Sets `name value` (replacing every line of that directive, or appending one), value written as a Redis string. */
function setRedisDirective(text, name, value) {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) {
        throw new Error(`Not a Redis directive name: ${JSON.stringify(name)}`);
    }
    const line = `${name} ${/^[A-Za-z0-9._:/-]+$/.test(value) ? value : redisString(value)}`;
    const args = splitRedisArgs(line);
    if (args === undefined || args.length !== 2 || args[1] !== value) {
        throw new Error(`The Redis directive ${name} would not read back as the value given.`);
    }
    const pattern = new RegExp(`^\\s*${name}(\\s|$)`, 'i');
    const lines = text.split('\n');
    let found = false;
    const out = [];
    for (const current of lines) {
        if (pattern.test(current)) {
            if (!found)
                out.push(line);
            found = true;
        }
        else {
            out.push(current);
        }
    }
    if (found)
        return out.join('\n');
    const body = text === '' || text.endsWith('\n') ? text : `${text}\n`;
    return `${body}${line}\n`;
}

;// CONCATENATED MODULE: ./shared/manage/tasks/update-redis.ts









/** Asks Redis for PONG with the new password; the script, password included, goes over stdin. */
function pingScript(port, password) {
    return `REDISCLI_AUTH=${quote(password)}
export REDISCLI_AUTH
tries=0
until out=$(redis-cli -h 127.0.0.1 -p ${port} --no-auth-warning ping 2>&1) && [ "$out" = PONG ]; do
  tries=$((tries + 1))
  [ "$tries" -lt 20 ] || { echo "Redis did not answer PONG with the new password: $out" >&2; exit 1; }
  sleep 0.5
done
`;
}
async function updateRedis(ctx) {
    const o = ctx.options;
    const password = o.redisPassword.reveal();
    const facts = await ctx.facts();
    const dropIn = (current) => setRedisDirective(setRedisDirective(current ?? '', 'port', String(o.redisPort)), 'requirepass', password);
    const redisFiles = [
        { path: facts.redisDropIn, edit: dropIn, mode: 0o640 },
        { path: `${PATHS.templateDir}/redis.conf`, edit: dropIn, onlyIfExists: true },
    ];
    const services = [];
    const local = o.redisHost === '127.0.0.1' || o.redisHost === 'localhost' || o.redisHost === '::1';
    // What is being tried on the new files, for the error when it fails.
    let attempt;
    const restartRedis = async (changed) => {
        if (!mustApply(ctx, changed, (path) => path === facts.redisDropIn))
            return;
        attempt = `restart of ${facts.redisService}`;
        services.push(...(await systemctl(ctx.session, 'restart', [facts.redisService])));
        if (local) {
            attempt = `PONG check of Redis on 127.0.0.1:${o.redisPort} with the new password`;
            await ctx.session.runScript(pingScript(o.redisPort, password), { timeoutMs: 30_000 });
        }
        attempt = undefined;
    };
    let changed;
    try {
        // Redis restarts with the new files in place: when it does not come back, changeFiles puts every
        // file back (drop-in, indico.conf and their templates) from its .indicovm.bak.
        changed = await changeFiles(ctx.session, [
            ...redisFiles,
            ...indicoConfChanges(ctx, redisSettings({ host: o.redisHost, port: o.redisPort, password })),
        ], { testInPlace: restartRedis });
        // A run after a dropped connection may find the files written already, yet Redis not restarted.
        if (changed.length === 0)
            await restartRedis(changed);
    }
    catch (error) {
        if (attempt === undefined)
            throw error;
        throw await restoredRedisError(ctx, facts.redisService, attempt, error);
    }
    if (mustApply(ctx, changed, (path) => path.endsWith('/etc/indico.conf'))) {
        services.push(...(await restartRunning(ctx.session, [UNITS.uwsgi, UNITS.celery, UNITS.celeryBeat])));
    }
    const all = [...changed, ...services];
    return {
        changed: all,
        note: all.length > 0 ? `Redis at ${o.redisHost}:${o.redisPort}, password set` : 'unchanged',
    };
}
/**
 * Redis did not come back on the new files, which changeFiles has put back by now: Redis is
 * restarted on the previous ones, so it runs as before, and the error says what failed.
 */
async function restoredRedisError(ctx, service, attempt, error) {
    const again = await ctx.session.exec(['systemctl', 'restart', '--', service], {
        sudo: true,
        allowFailure: true,
    });
    const after = again.code === 0
        ? `${service} was restarted on them`
        : `restarting ${service} on them failed too (exit code ${again.code}): check it with the status and logs tasks`;
    return new Error(`update-redis: the ${attempt} failed after the edit (${(0,errors/* errorMessage */.gJ)(error)}). ` +
        `The previous Redis drop-in and indico.conf were put back from their ${BACKUP_SUFFIX} copies and ${after}.`, { cause: error });
}

;// CONCATENATED MODULE: ./shared/manage/tasks/update-server.ts












/**
 * Opens the ports in whichever firewall the recipe used: its own nftables table when it wrote one,
 * else ufw or firewalld when active. Prints one line per port it opened. Ports come as $1 $2, the
 * backup suffix as $3.
 *
 * The nftables table is edited like every other file: the new text is checked by nft itself
 * (`nft -c`, which parses and validates against the kernel without applying), the old file is kept
 * as its backup, and the live table is replaced in one transaction (create if missing, delete,
 * define), so a failure leaves the previous rules in force and the previous file in place.
 */
const OPEN_PORTS = `set -eu
table=/etc/nftables.d/indicovm.nft
replace_table() {
  { echo 'table inet indicovm'; echo 'delete table inet indicovm'; cat "$2"; } | nft $1 -f /dev/stdin
}
if [ -f "$table" ]; then
  new=$(mktemp "$table.XXXXXX")
  trap 'rm -f "$new"' EXIT
  sed -E "s/tcp dport \\{[^}]*\\}/tcp dport { $1, $2 }/" "$table" > "$new"
  if ! cmp -s "$new" "$table"; then
    if ! problem=$(replace_table -c "$new" 2>&1); then
      echo "nft -c rejected the new $table (ports $1, $2); nothing was changed: $problem" >&2
      exit 1
    fi
    chmod 644 "$new"
    cp -p "$table" "$table$3"
    mv -f "$new" "$table"
    if ! problem=$(replace_table '' "$table" 2>&1); then
      cp -p "$table$3" "$table"
      echo "nft could not load the new $table; the previous file was put back and its rules stay in force: $problem" >&2
      exit 1
    fi
    echo "$table (ports $1, $2)"
  fi
elif command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active'; then
  for port in "$1" "$2"; do
    ufw status | grep -qE "^$port/tcp +ALLOW" || { ufw allow "$port/tcp" >/dev/null; echo "ufw $port/tcp"; }
  done
elif command -v firewall-cmd >/dev/null 2>&1 && systemctl is-active --quiet firewalld; then
  for port in "$1" "$2"; do
    firewall-cmd --quiet --query-port="$port/tcp" --permanent || { firewall-cmd --quiet --permanent --add-port="$port/tcp"; echo "firewalld $port/tcp"; }
    firewall-cmd --quiet --query-port="$port/tcp" || firewall-cmd --quiet --add-port="$port/tcp"
  done
fi
`;
/** Fingerprint of the certificate file the vhost names: what the new port must serve once the reload is done. */
async function installedCertificate(ctx, vhostPath, webServer) {
    const vhost = (await ctx.session.readFile(vhostPath, { sudo: true }))?.toString('utf8') ?? '';
    const path = vhostTlsPaths(webServer, vhost).cert ?? DEFAULT_CERT;
    return new external_node_crypto_.X509Certificate(await ctx.session.download(path, { sudo: true })).fingerprint256;
}
async function updateServer(ctx) {
    const o = ctx.options;
    const host = (0,host_name/* bareHost */.n0)(o.serverName);
    // Both web servers compare the Host header, brackets and all, with the name they are given.
    const serverName = (0,host_name/* urlHost */.cz)(host);
    const baseUrl = (0,host_name/* baseUrlFor */.aU)(host, o.httpsPort);
    const facts = await ctx.facts();
    const vhostEdit = (current) => editVhost(facts.webServer, current, {
        serverName,
        httpPort: o.httpPort,
        httpsPort: o.httpsPort,
        baseUrl,
    });
    const changed = await changeFiles(ctx.session, [
        { path: facts.vhostPath, edit: vhostEdit },
        ...indicoConfChanges(ctx, { BASE_URL: pythonString(baseUrl) }),
        {
            path: PATHS.firstbootScript,
            edit: (current) => setShellAssignment(current ?? '', 'SERVER_NAME', host),
            onlyIfExists: true,
        },
    ], { testInPlace: () => testWebConfig(ctx.session, facts) });
    const services = [];
    if (mustApply(ctx, changed, (path) => path === facts.vhostPath)) {
        services.push(...(await reloadOrStart(ctx.session, [facts.webService])));
        await waitForCertificate(ctx.session, o.httpsPort, await installedCertificate(ctx, facts.vhostPath, facts.webServer));
    }
    if (mustApply(ctx, changed, (path) => path.endsWith('/etc/indico.conf'))) {
        services.push(...(await restartRunning(ctx.session, [UNITS.uwsgi, UNITS.celery, UNITS.celeryBeat])));
    }
    const { stdout } = await ctx.session.exec(['sh', '-c', OPEN_PORTS, 'sh', String(o.httpPort), String(o.httpsPort), BACKUP_SUFFIX], {
        sudo: true,
    });
    const firewall = stdout.split('\n').filter(Boolean);
    const all = [...changed, ...services, ...firewall];
    return { changed: all, note: all.length > 0 ? `BASE_URL ${baseUrl}` : 'unchanged' };
}

;// CONCATENATED MODULE: ./shared/manage/tasks/update-smtp.ts






async function updateSmtp(ctx) {
    const o = ctx.options;
    const settings = smtpSettings({
        server: o.smtpServer,
        port: o.smtpPort,
        login: o.smtpLogin ?? '',
        password: o.smtpPassword?.reveal() ?? '',
        useTls: o.smtpUseTls,
    });
    const changed = await changeFiles(ctx.session, indicoConfChanges(ctx, settings));
    const services = mustApply(ctx, changed, () => true)
        ? await restartRunning(ctx.session, [UNITS.uwsgi, UNITS.celery, UNITS.celeryBeat])
        : [];
    const all = [...changed, ...services];
    return {
        changed: all,
        note: all.length > 0 ? `SMTP ${o.smtpServer}:${o.smtpPort}${o.smtpUseTls ? ' (STARTTLS)' : ''}` : 'unchanged',
    };
}

;// CONCATENATED MODULE: ./shared/manage/tasks/upgrade.ts




/** Exit status of the script below when there is no Indico venv. */
const NOT_INSTALLED = 3;
/**
 * As the Indico user: pip install -U indico in the venv, then `indico db upgrade`; prints the version
 * before and after. $1 install dir; $2 (or empty) a wheel folder pip uses instead of any index.
 */
const UPGRADE_SCRIPT = `set -eu
install=$1
links=\${2:-}
venv=$install/.venv
[ -x "$venv/bin/indico" ] || exit ${NOT_INSTALLED}
[ "\${3:-}" != --check ] || exit 0
user=$(stat -c %U "$install")
as_indico() {
  runuser -u "$user" -- env HOME="$install" INDICO_CONFIG="$install/etc/indico.conf" \\
    \${links:+PIP_NO_INDEX=1} \${links:+"PIP_FIND_LINKS=$links"} "$@"
}
before=$(as_indico "$venv/bin/pip" show indico | sed -n 's/^Version: //p')
as_indico "$venv/bin/pip" install --upgrade --quiet indico >&2
as_indico "$venv/bin/indico" db upgrade >&2
after=$(as_indico "$venv/bin/pip" show indico | sed -n 's/^Version: //p')
printf '%s %s\\n' "$before" "$after"
`;
async function upgrade(ctx) {
    const install = ctx.options.installDir.replace(/\/+$/, '');
    const wheelhouse = ctx.options.pythonWheelhouse;
    const run = (args) => ctx.session.exec(['sh', '-c', UPGRADE_SCRIPT, 'sh', install, ...args], {
        sudo: true,
        allowFailure: true,
        onStderr: (text) => ctx.reporter.relay(text.replace(/\n$/, '')),
    });
    let result;
    if (wheelhouse === undefined) {
        result = await run([]);
    }
    else {
        // Nothing is sent to a VM that has no Indico to upgrade.
        result = await run(['', '--check']);
        if (result.code === 0) {
            try {
                await installWheelhouse(ctx.session, wheelhouseSource(wheelhouse, process.cwd()), ctx.reporter);
                result = await run([WHEELHOUSE_DIR]);
            }
            finally {
                await ctx.session.exec(REMOVE_WHEELHOUSE, { sudo: true, allowFailure: true });
            }
        }
    }
    if (result.code === NOT_INSTALLED) {
        throw new errors/* CommandError */.Qd('upgrade', result.code, '', `Indico is not installed on ${ctx.session.where} (no ${install}/.venv/bin/indico; was the image built with install-indico: false?)`);
    }
    if (result.code !== 0) {
        throw new errors/* CommandError */.Qd(`pip install --upgrade${wheelhouse !== undefined ? ' --no-index --find-links' : ''} indico / indico db upgrade`, result.code, result.stderr.slice(-4000));
    }
    const [before, after] = result.stdout.trim().split(/\s+/);
    const services = await restartRunning(ctx.session, [UNITS.uwsgi, UNITS.celery, UNITS.celeryBeat]);
    const upgraded = before !== after;
    return {
        changed: upgraded ? [`indico ${before} → ${after}`, ...services] : [],
        note: upgraded ? `Indico ${before} → ${after}` : `Indico ${after ?? '?'} is the newest available`,
    };
}

;// CONCATENATED MODULE: ./shared/manage/tasks/index.ts










/** The four config tasks in one: what changed is the union, each part noted. */
async function config(ctx) {
    const parts = [loadSsl, updateServer, updateRedis, updateSmtp];
    const changed = [];
    const notes = [];
    for (const part of parts) {
        const outcome = await part(ctx);
        changed.push(...outcome.changed);
        if (outcome.changed.length > 0)
            notes.push(outcome.note);
    }
    return { changed, note: notes.length > 0 ? notes.join('; ') : 'unchanged' };
}
const TASKS = {
    'load-ssl': loadSsl,
    'update-server': updateServer,
    'update-redis': updateRedis,
    'update-smtp': updateSmtp,
    config,
    start: serviceTask('start'),
    stop: serviceTask('stop'),
    restart: serviceTask('restart'),
    status: services_status,
    run: runTask,
    backup: backup,
    logs: logs,
    upgrade: upgrade,
    health: health,
};

;// CONCATENATED MODULE: ./shared/manage/manage.ts










/** What each task needs beyond the connection, checked for the whole list before connecting. */
const TASK_NEEDS = {
    'load-ssl': ['sslCert', 'sslKey'],
    'update-server': ['serverName'],
    'update-redis': ['redisPassword'],
    'update-smtp': ['smtpServer'],
    config: ['sslCert', 'sslKey', 'serverName', 'redisPassword', 'smtpServer'],
    run: ['script'],
};
function checkManageOptions(options, deps = {}) {
    const problems = [];
    if (options.uploadBackup) {
        if (!(options.tasks ?? []).includes('backup')) {
            problems.push("upload-backup uploads the tarball of the backup task: add 'backup' to tasks.");
        }
        if (!deps.uploadArtifact) {
            problems.push('upload-backup uploads a workflow artifact, so it works in action-manage only: here the tarball stays in backup-dir.');
        }
    }
    if (!options.host) {
        problems.push("Missing option 'host': the address of the VM (output address of action-deploy).");
    }
    if (!options.tasks || options.tasks.length === 0) {
        problems.push("Missing option 'tasks': say which tasks to run, e.g. tasks: load-ssl,update-server,restart.");
    }
    if (!options.sshKey && !options.sshPassword && !process.env.SSH_AUTH_SOCK) {
        problems.push("No SSH credentials: set 'ssh-key' (preferred) or 'ssh-password', or run an ssh-agent.");
    }
    if (!options.hostKeys &&
        options.fingerprint.length === 0 &&
        !options.knownHosts &&
        !options.insecureAcceptHostKey) {
        problems.push("The host key cannot be verified: set 'host-keys' (output of action-deploy), 'fingerprint' or 'known-hosts' " +
            "('insecure-accept-host-key: true' accepts any key, for first contact only).");
    }
    if (options.proxyHost && !options.proxySshKey && !options.sshKey && !process.env.SSH_AUTH_SOCK) {
        problems.push("The jump host needs a key: set 'proxy-ssh-key', or 'ssh-key' (used for both hops when proxy-ssh-key is empty), or run an ssh-agent.");
    }
    for (const task of options.tasks ?? []) {
        for (const key of TASK_NEEDS[task] ?? []) {
            if (options[key] === undefined || options[key] === '') {
                problems.push(`Task '${task}' needs option '${(0,names/* kebab */.i9)(key)}'.`);
            }
        }
    }
    if (options.pythonWheelhouse !== undefined && (options.tasks ?? []).includes('upgrade')) {
        try {
            wheelhouseSource(options.pythonWheelhouse, process.cwd());
        }
        catch (error) {
            problems.push((0,errors/* errorMessage */.gJ)(error));
        }
    }
    const movesPorts = (options.tasks ?? []).some((task) => task === 'update-server' || task === 'config');
    if (movesPorts && options.httpPort === options.httpsPort) {
        problems.push(`http-port and https-port must differ (both are ${options.httpPort}).`);
    }
    if (problems.length > 0) {
        throw new errors/* ConfigurationError */.j1([...new Set(problems)].join('\n'));
    }
}
/**
 * Tasks that are not started again after a dropped connection: `run` executes the user's own script,
 * which may not be safe to repeat. Every other task reads what is on the VM and changes only what
 * differs, so starting it again finishes what the lost connection interrupted.
 */
const NOT_REPEATABLE = new Set(['run']);
/** Runs one task; when the connection drops, reconnects (same pinned host key) and runs it once more. */
async function runRepeatingOnDrop(task, ctx, session) {
    try {
        return await TASKS[task](ctx);
    }
    catch (error) {
        if (!(error instanceof SshConnectionLostError)) {
            throw error;
        }
        if (NOT_REPEATABLE.has(task)) {
            throw new Error(`The SSH connection to ${session.where} dropped during task '${task}'; it is not run again by itself ` +
                'because the script may not be safe to repeat. Check the VM, then run the task again.', { cause: error });
        }
        ctx.reporter.warning(`The SSH connection to ${session.where} dropped during task '${task}'; reconnecting and running it ` +
            'again (it changes only what differs from what is asked).');
        await session.reconnect();
        return TASKS[task]({ ...ctx, resumed: true });
    }
}
async function manage(options, reporter, deps = {}) {
    checkManageOptions(options, deps);
    const tasks = options.tasks ?? [];
    // A certificate that cannot work (wrong key, incomplete chain) stops the run before any task
    // before load-ssl has changed the VM.
    if (tasks.some((task) => task === 'load-ssl' || task === 'config'))
        checkedTls(options);
    const session = await (deps.connect ?? connect)(sshConnectOptions(options, process.env.SSH_AUTH_SOCK), reporter);
    let facts;
    const ctx = {
        session,
        options,
        reporter,
        // A read cut short (a dropped connection) is not kept: the task's second run reads again.
        facts: () => (facts ??= host_facts_readHostFacts(session).catch((error) => {
            facts = undefined;
            throw error;
        })),
        now: new Date(),
        ...(deps.uploadArtifact ? { uploadArtifact: deps.uploadArtifact } : {}),
    };
    const changed = {};
    const rows = [];
    let result = {};
    const merge = (outcome) => {
        result = { ...result, ...productsOf(outcome) };
    };
    try {
        for (const [index, task] of tasks.entries()) {
            let outcome;
            try {
                outcome = await reporter.group(`${task} on ${session.where}`, () => runRepeatingOnDrop(task, ctx, session));
            }
            catch (error) {
                if (error instanceof RunScriptError)
                    merge(error.output);
                rows.push(summaryRow(task, undefined, error));
                rows.push(...tasks.slice(index + 1).map((skipped) => skippedRow(skipped, task)));
                throw error;
            }
            rows.push(summaryRow(task, outcome));
            reporter.info(`${task}: ${outcome.changed.length > 0 ? `changed ${outcome.changed.join(', ')}` : outcome.note}`);
            if (outcome.changed.length > 0) {
                changed[task] = [...(changed[task] ?? []), ...outcome.changed];
            }
            merge(outcome);
        }
    }
    finally {
        deps.onResult?.({ changed, ...result });
        reporter.summary(manageSummary(session.where, rows));
        await session.close();
    }
    return { changed, ...result };
}

// EXTERNAL MODULE: ./shared/manage/fleet-result.ts
var fleet_result = __webpack_require__(4380);
;// CONCATENATED MODULE: ./shared/manage/fleet.ts
/**
 * `manage` on several hosts: each host gets its own verified SSH connection (through one shared jump
 * host connection when proxy-host is set) and the same tasks, max-parallel at a time. A host that
 * cannot be reached, or whose host key does not match, fails alone: every other host is still tried
 * (unless fail-fast), and the run fails at the end naming the hosts that failed. With serial: N the
 * hosts go N at a time, each checked healthy before the next batch starts, and the first failure
 * stops the roll-out, as Ansible's serial with max_fail_percentage 0.
 *
 * Over 300 lines: the fleet's hosts (parsed from hosts/hosts-file with their own host keys), the
 * parallel and rolling runs over them, and their summary.
 */











/** "host", "host:port", "[v6]:port" or a bare IPv6 address. */
function parseHostEntry(entry, defaultPort) {
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    const colons = entry.split(':').length - 1;
    const [host, port] = bracketed
        ? [bracketed[1], bracketed[2]]
        : colons === 1
            ? entry.split(':')
            : [entry, undefined];
    const number = port === undefined ? defaultPort : Number(port);
    if (!Number.isInteger(number) || number < 1 || number > 65535) {
        throw new errors/* ConfigurationError */.j1(`Option 'hosts': '${entry}' has no valid port (1 to 65535).`);
    }
    return { host, port: number, name: endpointName({ host, port: number }) };
}
/** The hosts of a fleet run, or undefined for the one-host run of 'host'. */
function fleetHosts(options) {
    const entries = [...options.hosts];
    if (options.hostsFile) {
        let text;
        try {
            text = (0,external_node_fs_.readFileSync)(options.hostsFile, 'utf8');
        }
        catch (error) {
            throw new errors/* ConfigurationError */.j1(`Option 'hosts-file': cannot read ${options.hostsFile} (${(0,errors/* errorMessage */.gJ)(error)}).`);
        }
        entries.push(...text
            .split('\n')
            .map((line) => line.replace(/#.*/, '').trim())
            .filter(Boolean));
    }
    if (entries.length === 0)
        return undefined;
    if (options.host) {
        throw new errors/* ConfigurationError */.j1("Set either 'host' (one server) or 'hosts'/'hosts-file' (several), not both.");
    }
    const hosts = entries.map((entry) => parseHostEntry(entry, options.port));
    const seen = new Set();
    for (const host of hosts) {
        if (seen.has(host.name)) {
            throw new errors/* ConfigurationError */.j1(`Option 'hosts': ${host.name} is listed twice.`);
        }
        seen.add(host.name);
    }
    return hosts;
}
/**
 * host-keys for a fleet: a mapping (YAML or JSON) of host or host:port to that host's key lines.
 * Plain key lines (or known-hosts) apply to every host as they are.
 */
function hostKeysFor(hostKeys, host) {
    if (!hostKeys || !/^\s*(\{|["']?[^\s"':]+(:\d+)?["']?:\s)/.test(hostKeys))
        return hostKeys;
    let mapping;
    try {
        mapping = (0,dist.parse)(hostKeys, { schema: 'core', maxAliasCount: 0 });
    }
    catch (error) {
        throw new errors/* ConfigurationError */.j1(`Option 'host-keys' is neither key lines nor a host mapping: ${(0,errors/* errorMessage */.gJ)(error)}`);
    }
    if (mapping === null || typeof mapping !== 'object' || Array.isArray(mapping)) {
        throw new errors/* ConfigurationError */.j1("Option 'host-keys': a mapping of host (or host:port) to key lines was expected.");
    }
    const byHost = mapping;
    const keys = byHost[host.name] ?? byHost[`${host.host}:${host.port}`] ?? byHost[host.host];
    if (keys === undefined)
        return '';
    return Array.isArray(keys) ? keys.map(String).join('\n') : String(keys);
}
/** A safe artifact-name suffix for a host: letters, digits, . _ -. */
const artifactSuffix = (host) => host.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
function outcomeOf(error) {
    if (error instanceof HostKeyMismatchError)
        return 'host-key-mismatch';
    if (error instanceof SshConnectionError)
        return 'unreachable';
    return 'failed';
}
/** The tasks one host runs: in rolling mode the health check is the gate to the next batch. */
function tasksFor(options) {
    const tasks = [...(options.tasks ?? [])];
    return options.serial > 0 && !tasks.includes('health') ? [...tasks, 'health'] : tasks;
}
function fleetSummary(results) {
    const failed = results.filter((r) => r.outcome !== 'ok' && r.outcome !== 'skipped').length;
    return {
        heading: `indicovm manage: ${results.length} hosts, ${failed} failed`,
        tables: [
            {
                header: ['Host', 'Tasks', 'Changed', 'Status', 'Time'],
                rows: results.map((r) => [
                    r.host,
                    r.tasks.join(', '),
                    Object.keys(r.changed).join(', ') || '-',
                    r.error ? `${r.outcome}: ${r.error.split('\n')[0]}` : r.outcome,
                    r.outcome === 'skipped' ? '-' : (0,report_reporter/* formatDuration */.a)(r.seconds * 1000),
                ]),
            },
        ],
    };
}
/** Runs `work` on every item, at most `limit` at a time, starting none once `stopped()` says so. */
async function pool(items, limit, stopped, work, skip) {
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const item = items[next++];
            if (stopped())
                skip(item);
            else
                await work(item);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
async function manageFleet(options, hosts, reporter, deps = {}) {
    const tasks = tasksFor(options);
    // Every input problem for any host is found before the first connection.
    const prepared = hosts.map((host) => {
        const hostOptions = {
            ...options,
            host: host.host,
            port: host.port,
            tasks: tasks,
            hostKeys: hostKeysFor(options.hostKeys, host),
            backupArtifactName: `${options.backupArtifactName}-${artifactSuffix(host)}`,
        };
        return {
            host,
            options: deps.forHost ? deps.forHost(hostOptions, prefixedReporter(reporter, host.name)) : hostOptions,
        };
    });
    prepared.forEach(({ options: hostOptions }) => checkManageOptions(hostOptions, deps));
    // One jump host connection for the whole fleet, verified once.
    let jump;
    const jumpEndpoint = options.proxyHost
        ? sshConnectOptions({ ...options, host: hosts[0].host }, process.env.SSH_AUTH_SOCK).proxy
        : undefined;
    const results = new Map();
    const runHost = deps.runHost ?? manage;
    let stop = false;
    const rolling = options.serial > 0;
    try {
        if (jumpEndpoint) {
            jump = await connect({
                ...jumpEndpoint,
                connectTimeoutMs: options.timeout * 1000,
                commandTimeoutMs: options.commandTimeout * 1000,
            }, reporter);
            reporter.info(`Connected to the jump host ${jump.where}; every host is reached through it.`);
        }
        const via = jump;
        const hostDeps = {
            ...deps,
            ...(via ? { connect: (o, r) => (deps.connect ?? connect)({ ...o, proxy: undefined, via }, r) } : {}),
        };
        const batches = rolling
            ? Array.from({ length: Math.ceil(prepared.length / options.serial) }, (_, i) => prepared.slice(i * options.serial, (i + 1) * options.serial))
            : [prepared];
        for (const [index, batch] of batches.entries()) {
            if (rolling && !stop)
                reporter.info(`Batch ${index + 1} of ${batches.length}: ${batch.map((b) => b.host.name).join(', ')}`);
            await pool(batch, rolling ? options.serial : options.maxParallel, () => stop, async ({ host, options: hostOptions }) => {
                const started = Date.now();
                let partial;
                const log = prefixedReporter(reporter, host.name);
                try {
                    const done = await runHost(hostOptions, log, { ...hostDeps, onResult: (r) => (partial = r) });
                    results.set(host.name, {
                        ...done,
                        host: host.name,
                        outcome: 'ok',
                        tasks,
                        seconds: (Date.now() - started) / 1000,
                    });
                }
                catch (error) {
                    const outcome = outcomeOf(error);
                    log.error(`${outcome}: ${(0,errors/* errorMessage */.gJ)(error)}`);
                    results.set(host.name, {
                        ...(partial ?? { changed: {} }),
                        host: host.name,
                        outcome,
                        tasks,
                        error: (0,errors/* errorMessage */.gJ)(error),
                        seconds: (Date.now() - started) / 1000,
                    });
                    if (options.failFast || rolling)
                        stop = true;
                }
            }, ({ host }) => results.set(host.name, { host: host.name, outcome: 'skipped', tasks, changed: {}, seconds: 0 }));
        }
    }
    finally {
        await jump?.close();
    }
    const ordered = prepared.map(({ host }) => results.get(host.name) ?? {
        host: host.name,
        outcome: 'skipped',
        tasks,
        changed: {},
        seconds: 0,
    });
    reporter.summary(fleetSummary(ordered));
    const result = { results: ordered };
    deps.onFleetResult?.(result);
    const failed = ordered.filter((r) => r.outcome !== 'ok' && r.outcome !== 'skipped');
    if (failed.length > 0) {
        const skipped = ordered.filter((r) => r.outcome === 'skipped').length;
        throw new fleet_result/* FleetError */.t(`${failed.length} of ${ordered.length} hosts failed: ${failed.map((r) => `${r.host} (${r.outcome})`).join(', ')}` +
            (skipped > 0
                ? `; ${skipped} not started (${rolling ? 'serial stops at the first failure' : 'fail-fast'})`
                : '') +
            '.', ordered);
    }
    return result;
}
/** manage for one host or a fleet, whichever the options name. */
async function runManage(options, reporter, deps = {}) {
    const hosts = fleetHosts(options);
    if (hosts)
        return manageFleet(options, hosts, reporter, deps);
    return (deps.runHost ?? manage)(deps.forHost ? deps.forHost(options, reporter) : options, reporter, deps);
}

;// CONCATENATED MODULE: ./shared/recipe/write-recipe.ts


/**
 * Writes a rendered recipe for reading: `provision.sh` (0755) and `files/` mirroring the paths on
 * the VM, with the modes the script gives them. Returns the written paths.
 */
async function writeRecipe(recipe, outputDir) {
    const root = (0,external_node_path_.resolve)(outputDir);
    await (0,promises_.mkdir)(root, { recursive: true });
    const written = [];
    const scriptPath = (0,external_node_path_.join)(root, 'provision.sh');
    await (0,promises_.writeFile)(scriptPath, recipe.script, { mode: 0o755 });
    await (0,promises_.chmod)(scriptPath, 0o755);
    written.push(scriptPath);
    for (const file of recipe.files) {
        const target = (0,external_node_path_.join)(root, 'files', file.path);
        if (!target.startsWith((0,external_node_path_.join)(root, 'files') + '/')) {
            throw new Error(`Refusing to write ${file.path} outside ${root}/files.`);
        }
        await (0,promises_.mkdir)((0,external_node_path_.dirname)(target), { recursive: true });
        await (0,promises_.writeFile)(target, file.content, { mode: file.mode });
        await (0,promises_.chmod)(target, file.mode);
        written.push(target);
    }
    return written;
}

;// CONCATENATED MODULE: ./shared/ssh/openssh-defaults.ts
/**
 * What OpenSSH uses when it is told nothing: the identities in ~/.ssh (ssh_config(5) IdentityFile)
 * and ~/.ssh/known_hosts. Only the CLI falls back to them; an action on a runner has no such files
 * of its user's, and guessing there would hide a missing input.
 */






/** OpenSSH's default identities in its order, less the kinds ssh2 cannot use (security keys, DSA). */
const IDENTITY_FILES = ['id_rsa', 'id_ecdsa', 'id_ed25519'];
function openSshFallbacks(values, home) {
    const notes = [];
    const fallback = {};
    if (!values.sshKey && !values.sshPassword) {
        for (const name of IDENTITY_FILES) {
            const path = (0,external_node_path_.join)(home, '.ssh', name);
            if (!(0,external_node_fs_.existsSync)(path)) {
                continue;
            }
            try {
                loadPrivateKey(path, values.sshKeyPassphrase);
            }
            catch (error) {
                if (error instanceof errors/* ConfigurationError */.j1) {
                    const why = error.message.replace(/^ssh-key (could not be read: )?/, '').replace(/\.$/, '');
                    notes.push(`Skipped ~/.ssh/${name}: ${why} (or give ssh-key, or add it to ssh-agent).`);
                    continue;
                }
                throw error;
            }
            fallback.sshKey = new shared_secret/* Secret */.zh((0,external_node_fs_.readFileSync)(path, 'utf8'));
            notes.push(`No ssh-key given: using ~/.ssh/${name}.`);
            break;
        }
    }
    const pinned = values.hostKeys || values.fingerprint.length > 0 || values.knownHosts;
    const knownHostsFile = (0,external_node_path_.join)(home, '.ssh', 'known_hosts');
    if (!pinned && !values.insecureAcceptHostKey && values.host && (0,external_node_fs_.existsSync)(knownHostsFile)) {
        const where = knownHostsName(values.host, values.port);
        const lines = linesFor((0,external_node_fs_.readFileSync)(knownHostsFile, 'utf8'), values.host, values.port);
        if (lines.some((line) => line !== '')) {
            fallback.knownHosts = lines.join('\n');
            notes.push(`No host key pinned: checking ${where} against ~/.ssh/known_hosts.`);
        }
        else {
            notes.push(`~/.ssh/known_hosts has no entry for ${where}.`);
        }
    }
    return { values: fallback, notes };
}
/**
 * The lines of a known_hosts file that speak of this host, the others blanked so that line numbers in
 * errors stay those of the file. As OpenSSH does, a line it cannot read (a key type it does not know,
 * a typo) is passed over rather than failing the run.
 */
function linesFor(text, host, port) {
    return text.split(/\r?\n/).map((line) => {
        try {
            return parseKnownHosts(line).some((entry) => hostPatternsMatch(entry.patterns, host, port)) ? line : '';
        }
        catch {
            return '';
        }
    });
}

;// CONCATENATED MODULE: ./cli/src/interrupt.ts



const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/**
 * Runs a long task so that Ctrl-C, `kill` or a closed terminal undo what it created (the qemu VM, the
 * build folder, cloud resources) before the CLI exits with 128 + the signal's number, as a shell
 * reports it. A second signal exits at once and says what may be left.
 */
async function withInterruptCleanup(reporter, task) {
    let stopping = false;
    const handler = (signal) => {
        const code = 128 + external_node_os_.constants.signals[signal];
        if (stopping) {
            reporter.warning(`${signal} again: exiting before the clean-up finished; something may be left.`);
            process.exit(code);
        }
        stopping = true;
        reporter.warning(`Interrupted (${signal}): removing what this run created. ${signal} again exits at once.`);
        void runInterruptCleanups((error) => reporter.warning(`Clean-up failed: ${(0,errors/* errorMessage */.gJ)(error)}`)).finally(() => process.exit(code));
    };
    for (const signal of SIGNALS)
        process.on(signal, handler);
    try {
        return await task();
    }
    finally {
        for (const signal of SIGNALS)
            process.off(signal, handler);
    }
}

;// CONCATENATED MODULE: ./cli/src/tasks.ts











const json = (value) => JSON.stringify(value, null, 2);
/** Each CLI task: the same core call as the action, with its result printed as JSON on stdout. */
const tasks_TASKS = {
    'build-image': async (values, reporter, sources) => json(await withInterruptCleanup(reporter, () => buildImage(values, reporter, {
        downloader: new CachingDownloader(defaultDownloadCacheDir()),
        sources,
    }))),
    'run-image': async (values, reporter) => {
        await runImage(values, reporter);
        return undefined;
    },
    'render-script': async (values) => {
        const written = await writeRecipe(renderRecipe(readPemInputs(values)), values.outputDir);
        return written.join('\n');
    },
    'gen-user-data': async (values, reporter) => {
        const written = await writeUserData(values, values.userDataPath);
        reporter.info(`${written.bytes.length} bytes${written.gzipped ? ', gzipped' : ''}`);
        return written.path;
    },
    // image-artifact needs a workflow run: without a downloader, deploy says so.
    deploy: async (values, reporter, sources) => json(await withInterruptCleanup(reporter, () => deploy(values, reporter, { sources }))),
    // As ssh does, the CLI falls back to the user's ~/.ssh identities and known_hosts.
    manage: async (values, reporter) => json(await runManage(values, reporter, {
        // Per host: known_hosts entries are looked up for each host of a fleet.
        forHost: (options, hostReporter) => {
            const fallbacks = openSshFallbacks(options, (0,external_node_os_.homedir)());
            fallbacks.notes.forEach((note) => hostReporter.info(note));
            return { ...options, ...fallbacks.values };
        },
    })),
};


/***/ })

};
