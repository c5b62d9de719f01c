# Stand-in for the VLA pipeline's runner script (CASA emulator).
#
# Real CASA executes this file with `casa ... -c runvlapipeline.py PPR.xml`; the emulator's bin/casa only
# checks that it exists and is named run*pipeline.py, then emulates what the real script does:
#
#   import sys
#   import pipeline.infrastructure.executevlappr as eppr
#   eppr.executeppr(sys.argv[-1], importonly=False)
#
# executeppr reads the PPR, finds the data in $SCIPIPE_ROOTDIR/<RelativePath>/rawdata without changing
# directory (context and weblog in the current directory, products in ../products), runs the procedure's
# stages and, when anything goes wrong, mostly writes an empty errorexit-<timestamp>.txt and returns: CASA
# exits 0.
import sys

import pipeline.infrastructure.executevlappr as eppr

eppr.executeppr(sys.argv[-1], importonly=False)
