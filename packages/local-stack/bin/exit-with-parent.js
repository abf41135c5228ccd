// Preloaded (`node --import`) into every process the local stack starts, Azurite included. When
// the process that started it is gone, even by SIGKILL, nobody is left to stop it: it would hold
// its port until someone finds it. So it watches its parent and, once the parent has changed
// (the orphan was re-parented), stops itself the way SIGTERM does, with its own graceful shutdown.
const supervisorPid = Number(process.env.TAPLINE_SUPERVISOR_PID);
// Not inherited further: a process this one starts has another parent and must not stop at once.
delete process.env.TAPLINE_SUPERVISOR_PID;

if (Number.isInteger(supervisorPid) && supervisorPid > 0) {
  const timer = setInterval(() => {
    if (process.ppid === supervisorPid) return;
    clearInterval(timer);
    // A process with no SIGTERM handler ends here; one with a handler gets a few seconds for it.
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => process.exit(1), 5_000).unref();
  }, 500);
  timer.unref();
}
