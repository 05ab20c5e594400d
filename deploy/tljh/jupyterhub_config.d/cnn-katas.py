"""What every learner's server needs for the CNN output katas, on The Littlest JupyterHub.

install-course.sh copies this file to /opt/tljh/config/jupyterhub_config.d/cnn-katas.py. TLJH
loads every ``*.py`` file in that folder after its own settings and after ``tljh-config``, so a
setting made here wins over the same setting made there. ``sudo tljh-config reload`` applies a
change (the learners' running servers keep running; TLJH sets ``cleanup_servers = False``).

The per-learner memory and CPU limits are not here: install-course.sh sets them with
``tljh-config set limits.memory`` and ``limits.cpu``, TLJH's own way, so ``tljh-config show``
lists them.
"""

# JupyterHub defines get_config() while it loads a configuration file; `c` is the
# configuration being built, the same object TLJH's own settings went into.
c = get_config()  # noqa: F821

# The model weights live in one shared, read-only folder that install-course.sh filled once.
# Every learner's server, and every kernel it starts, inherits this variable, so the helpers
# read the weights from there instead of building or downloading a copy per learner.
# update() keeps any variables another file has set.
c.Spawner.environment.update({"CNN_KATAS_CACHE": "/srv/cnn-katas/cache"})

# Learners land in JupyterLab (TLJH's default too; said here so that nothing else changes it).
# An nbgitpuller link opens its own notebook instead; this is where a plain login goes.
c.Spawner.default_url = "/lab"

# A class logs in within the same minute. JupyterHub gives a server 60 s to start and then
# 30 s to answer; under that load a start can take longer, and the learner would see an
# error page. Two minutes each lets a crowded start finish instead of failing.
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
