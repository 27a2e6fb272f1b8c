// Schedulers (node-cron, node-schedule, toad-scheduler): a job scheduled per signup or session
// and never stopped; the controls stop or cancel it when its work is done.
'use strict';
const cron = require('node-cron');
const schedule = require('node-schedule');
const { ToadScheduler, SimpleIntervalJob, Task } = require('toad-scheduler');
const { run, steps } = require('../../suspects/harness');

let n = 0;
const account = () => ({ id: n, email: `user${n}@example.com`, plan: ['free', 'pro'][n++ % 2],
  history: Array.from({ length: 8 }, (_, i) => ({ at: 1700000000000 + i, what: 'login' })) });

run({
  // A daily digest scheduled at every signup; the task is never stopped.
  'node-cron-task-per-signup': () => {
    const digests = { sent: 0 };
    globalThis.digests = digests;
    const signup = () => { const user = account(); cron.schedule('0 8 * * *', () => { digests.sent += user.history.length; }); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) signup(); }, [10, 200, 200]) };
  },
  'node-cron-control': () => {
    const digests = { sent: 0, users: [] };
    globalThis.digests = digests;
    for (let i = 0; i < 50; i++) digests.users.push(account());
    digests.task = cron.schedule('0 8 * * *', () => { digests.sent += digests.users.length; });
    const signup = () => { const user = account(); const task = cron.schedule('0 8 * * *', () => { digests.sent += user.history.length; }); task.destroy(); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) signup(); }, [10, 200, 200]) };
  },
  // A reminder job per session that logout never cancels.
  'node-schedule-job-per-session': () => {
    const sessions = { reminded: 0 };
    globalThis.sessions = sessions;
    const login = () => { const user = account(); schedule.scheduleJob(`session-${user.id}`, '*/30 * * * *', () => { sessions.reminded += user.history.length; }); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) login(); }, [10, 200, 200]) };
  },
  'node-schedule-control': () => {
    const sessions = { reminded: 0 };
    globalThis.sessions = sessions;
    const login = () => { const user = account(); const job = schedule.scheduleJob(`session-${user.id}`, '*/30 * * * *', () => { sessions.reminded += user.history.length; }); job.cancel(); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) login(); }, [10, 200, 200]) };
  },
  // A poller per device, added to the scheduler and never removed.
  'toad-scheduler-job-per-device': () => {
    const fleet = { scheduler: new ToadScheduler(), polls: 0 };
    globalThis.fleet = fleet;
    const connect = () => { const device = account(); fleet.scheduler.addSimpleIntervalJob(new SimpleIntervalJob({ hours: 1 }, new Task(`poll-${device.id}`, () => { fleet.polls += device.history.length; }), { id: `device-${device.id}` })); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) connect(); }, [10, 200, 200]) };
  },
  // One job polls the connected devices; a device leaves the set when it disconnects.
  // (removeById is not used: toad-scheduler 4.1.0 keeps removed jobs in its engine's list.)
  'toad-scheduler-control': () => {
    const fleet = { scheduler: new ToadScheduler(), polls: 0, online: new Map() };
    globalThis.fleet = fleet;
    fleet.scheduler.addSimpleIntervalJob(new SimpleIntervalJob({ hours: 1 }, new Task('poll-all', () => { for (const device of fleet.online.values()) fleet.polls += device.history.length; }), { id: 'poll-all' }));
    const connect = () => { const device = account(); fleet.online.set(device.id, device); if (fleet.online.size > 20) fleet.online.delete(device.id - 20); };
    return { phases: steps((k) => { for (let i = 0; i < k; i++) connect(); }, [10, 200, 200]), done: () => fleet.scheduler.stop() };
  },
});
