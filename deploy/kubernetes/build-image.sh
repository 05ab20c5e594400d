#!/usr/bin/env bash
# Build (and push) the learners' image for Zero to JupyterHub with repo2docker.
#
#   bash deploy/kubernetes/build-image.sh IMAGE:TAG SOURCE [--push]
#
# SOURCE is the course's git URL or a local folder; IMAGE:TAG is what config.yaml's
# singleuser.image names (use the course's commit as the tag, so every rebuild is a new tag).
# Needs Docker and `pip install jupyter-repo2docker`. NOT RUN on the machine the course was
# built on (no Docker there): written from repo2docker's documented options.
#
# repo2docker reads the course's binder/ folder (requirements.txt: the pinned set; postBuild:
# the helpers, installed editable, and the MediaPipe weights). Two things are added here:
#   --target-repo-dir  puts the course in /srv/cnn-katas/course, not in /home/jovyan: on the
#                      hub each learner's own storage is mounted over /home/jovyan and would
#                      hide it (and the editable helpers with it).
#   --appendix         installs nbgitpuller, and bakes the shared model cache into the image
#                      at /srv/cnn-katas/cache (root-owned, read-only to learners).
# repo2docker builds Python 3.10 unless binder/runtime.txt says otherwise, and numpy 2.4.6
# (requirements.txt) needs 3.11 or newer: binder/runtime.txt must hold `python-3.12`.
set -euo pipefail

[ "$#" -ge 2 ] && [ "$#" -le 3 ] || { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
image="$1" source="$2" push="${3:-}"
[ -z "$push" ] || [ "$push" = "--push" ] || { echo "build-image: the third argument can only be --push, not $push" >&2; exit 2; }
command -v jupyter-repo2docker >/dev/null \
    || { echo "build-image: jupyter-repo2docker not found: pip install jupyter-repo2docker" >&2; exit 1; }

# Runs at the end of repo2docker's Dockerfile, as the learners' user (NB_USER).
read -r -d '' appendix <<'DOCKERFILE' || true
RUN ${NB_PYTHON_PREFIX}/bin/python -m pip install --no-cache-dir nbgitpuller==1.3.0
USER root
RUN mkdir -p /srv/cnn-katas/cache \
 && CNN_KATAS_CACHE=/srv/cnn-katas/cache ${NB_PYTHON_PREFIX}/bin/python ${REPO_DIR}/scripts/fetch_mediapipe_models.py \
 && CNN_KATAS_CACHE=/srv/cnn-katas/cache ${NB_PYTHON_PREFIX}/bin/python ${REPO_DIR}/scripts/build_models.py \
 && chown -R root:root /srv/cnn-katas/cache \
 && chmod -R a+rX,go-w /srv/cnn-katas/cache
ENV CNN_KATAS_CACHE=/srv/cnn-katas/cache
USER ${NB_USER}
DOCKERFILE

echo "build-image: building $image from $source"
jupyter-repo2docker --no-run --user-name jovyan --image-name "$image" \
    --target-repo-dir /srv/cnn-katas/course --appendix "$appendix" ${push:+--push} "$source"
echo "build-image: done; put this in config.yaml: singleuser.image.name/tag = ${image%:*} / ${image##*:}"
