# Stand-in for the ALMA pipeline's runner script (CASA emulator).
#
# Real CASA executes this file with `casa ... -c runpipeline.py PPR.xml`; the emulator's bin/casa only checks
# that it exists and is named run*pipeline.py, then emulates the pipeline (for ALMA PPRs: Telescope ALMA).
import sys

import pipeline.infrastructure.executeppr as eppr

eppr.executeppr(sys.argv[-1], importonly=False)
