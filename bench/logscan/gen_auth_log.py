#!/usr/bin/env python3
"""Writes a realistic Debian auth.log of N lines, deterministically (seeded).

usage: gen_auth_log.py N OUT [--seed S]

The mix follows a bastion host under a steady SSH brute force: sshd failures for valid and
invalid users (with the pam_unix and [preauth] lines sshd writes around them), accepted
logins with their PAM sessions, sudo successes and failures, CRON's PAM sessions every
minute, and noise from systemd-logind and sshd itself. Lines are in Debian 12 rsyslog's RFC
3339 format, with one block in ten in the traditional "Nov 29 05:49:07" format.

Only sshd lines that fail2ban's sshd filter (mode normal) counts as failures are counted in
the "sshd_failures" figure printed on standard output: "Failed password ...", "Invalid user
...", "maximum authentication attempts exceeded ...". "message repeated" lines and "Failed
publickey for <valid user>" are not generated, since fail2ban does not count them.
"""
import datetime
import random
import sys

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
HOST = "bastion1"
STAFF = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]
VALID_TARGETS = ["root", "alice", "bob", "admin"]  # "admin" exists on this host
INVALID_USERS = ["oracle", "test", "ubuntu", "guest", "postgres", "user", "pi", "ftpuser",
                 "deploy", "git", "hadoop", "nagios", "support", "minecraft", "tomcat"]


class Writer:
    def __init__(self, out, rng, start):
        self.out = out
        self.rng = rng
        self.t = start
        self.lines = 0
        self.sshd_failures = 0
        self.traditional = False

    def tick(self):
        self.t += datetime.timedelta(microseconds=self.rng.randint(2_000, 400_000))

    def stamp(self):
        if self.traditional:
            return "%s %2d %s" % (MONTHS[self.t.month - 1], self.t.day, self.t.strftime("%H:%M:%S"))
        return self.t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "+00:00"

    def line(self, program, message, failure=False):
        self.tick()
        self.out.write("%s %s %s: %s\n" % (self.stamp(), HOST, program, message))
        self.lines += 1
        if failure:
            self.sshd_failures += 1


def attacker(rng):
    return "%d.%d.%d.%d" % (rng.choice([45, 61, 103, 141, 185, 193, 203, 218]),
                            rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))


def brute_force(w, rng):
    ip = attacker(rng)
    pid = "sshd[%d]" % rng.randint(1000, 65000)
    port = rng.randint(30000, 65000)
    attempts = rng.randint(1, 6)
    if rng.random() < 0.5:
        user = rng.choice(INVALID_USERS)
        w.line(pid, "Invalid user %s from %s port %d" % (user, ip, port), failure=True)
        for _ in range(attempts):
            w.line(pid, "pam_unix(sshd:auth): check pass; user unknown")
            w.line(pid, "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 "
                        "tty=ssh ruser= rhost=%s" % ip)
            w.line(pid, "Failed password for invalid user %s from %s port %d ssh2"
                   % (user, ip, port), failure=True)
        if attempts == 6:
            w.line(pid, "error: maximum authentication attempts exceeded for invalid user %s "
                        "from %s port %d ssh2 [preauth]" % (user, ip, port), failure=True)
        w.line(pid, "Connection closed by invalid user %s %s port %d [preauth]" % (user, ip, port))
    else:
        user = rng.choice(VALID_TARGETS)
        for _ in range(attempts):
            w.line(pid, "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 "
                        "tty=ssh ruser= rhost=%s  user=%s" % (ip, user))
            w.line(pid, "Failed password for %s from %s port %d ssh2" % (user, ip, port),
                   failure=True)
        if attempts == 6:
            w.line(pid, "error: maximum authentication attempts exceeded for %s from %s port %d "
                        "ssh2 [preauth]" % (user, ip, port), failure=True)
        w.line(pid, "Disconnected from authenticating user %s %s port %d [preauth]"
               % (user, ip, port))


def login(w, rng):
    user = rng.choice(STAFF)
    ip = "10.20.%d.%d" % (rng.randint(0, 3), rng.randint(2, 250))
    pid = "sshd[%d]" % rng.randint(1000, 65000)
    port = rng.randint(30000, 65000)
    uid = 1000 + STAFF.index(user)
    session = rng.randint(1, 9999)
    if rng.random() < 0.7:
        w.line(pid, "Accepted publickey for %s from %s port %d ssh2: ED25519 SHA256:%s"
               % (user, ip, port, "".join(rng.choice("abcdefghijkLMNOP0123456789")
                                          for _ in range(43))))
    else:
        w.line(pid, "Accepted password for %s from %s port %d ssh2" % (user, ip, port))
    w.line(pid, "pam_unix(sshd:session): session opened for user %s(uid=%d) by (uid=0)"
           % (user, uid))
    w.line("systemd-logind[512]", "New session %d of user %s." % (session, user))
    if rng.random() < 0.4:
        sudo(w, rng, user, uid)
    w.line(pid, "Received disconnect from %s port %d:11: disconnected by user" % (ip, port))
    w.line(pid, "Disconnected from user %s %s port %d" % (user, ip, port))
    w.line(pid, "pam_unix(sshd:session): session closed for user %s" % user)
    w.line("systemd-logind[512]", "Session %d logged out. Waiting for processes to exit." % session)
    w.line("systemd-logind[512]", "Removed session %d." % session)


def sudo(w, rng, user, uid):
    command = rng.choice(["/usr/bin/systemctl restart nginx", "/usr/bin/apt update",
                          "/usr/bin/journalctl -u ssh", "/bin/cat /var/log/syslog"])
    if rng.random() < 0.15:
        w.line("sudo", "pam_unix(sudo:auth): authentication failure; logname=%s uid=%d euid=0 "
                       "tty=/dev/pts/0 ruser=%s rhost=  user=%s" % (user, uid, user, user))
        w.line("sudo", "   %s : %d incorrect password attempt%s ; TTY=pts/0 ; PWD=/home/%s ; "
                       "USER=root ; COMMAND=%s"
               % (user, 1 if rng.random() < 0.5 else 3, "", user, command))
        return
    w.line("sudo", "   %s : TTY=pts/0 ; PWD=/home/%s ; USER=root ; COMMAND=%s"
           % (user, user, command))
    w.line("sudo", "pam_unix(sudo:session): session opened for user root(uid=0) by %s(uid=%d)"
           % (user, uid))
    w.line("sudo", "pam_unix(sudo:session): session closed for user root")


def cron(w, rng):
    pid = "CRON[%d]" % rng.randint(1000, 65000)
    w.line(pid, "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)")
    w.line(pid, "pam_unix(cron:session): session closed for user root")


def noise(w, rng):
    choice = rng.random()
    if choice < 0.3:
        ip = attacker(rng)
        w.line("sshd[%d]" % rng.randint(1000, 65000),
               "Received disconnect from %s port %d:11: Bye Bye [preauth]"
               % (ip, rng.randint(30000, 65000)))
    elif choice < 0.5:
        w.line("sshd[%d]" % rng.randint(1000, 65000),
               "Connection closed by %s port %d [preauth]" % (attacker(rng),
                                                               rng.randint(30000, 65000)))
    elif choice < 0.7:
        w.line("systemd-logind[512]", "Watching system buttons on /dev/input/event0 (Power Button)")
    elif choice < 0.85:
        w.line("polkitd[611]", "Registered Authentication Agent for unix-process:%d:%d"
               % (rng.randint(1000, 65000), rng.randint(100000, 999999)))
    else:
        w.line("sshd[%d]" % rng.randint(1000, 65000),
               "Unable to negotiate with %s port %d: no matching host key type found. "
               "Their offer: ssh-rsa,ssh-dss [preauth]" % (attacker(rng), rng.randint(30000, 65000)))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    n = int(sys.argv[1])
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 20261129
    rng = random.Random(seed)
    start = datetime.datetime(2026, 11, 1, 0, 0, 0)
    with open(sys.argv[2], "w", buffering=1 << 20) as out:
        w = Writer(out, rng, start)
        while w.lines < n:
            w.traditional = rng.random() < 0.1
            r = rng.random()
            if r < 0.45:
                brute_force(w, rng)
            elif r < 0.6:
                login(w, rng)
            elif r < 0.75:
                cron(w, rng)
            else:
                noise(w, rng)
    print("lines %d" % w.lines)
    print("sshd_failures %d" % w.sshd_failures)


if __name__ == "__main__":
    main()
