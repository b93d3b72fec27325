"""The Theorem 4 generator (Sec. 3.2-3.3): ``build`` (the top), ``fixed_scale`` and ``lipschitz``
(the two families), ``penalty`` (g, h and Eq. (7)), ``monotone`` (the cells the kernel re-checks),
``write`` (exact rationals and intervals as strings). It may import the kernel; the kernel never
imports it."""
