# The runner CASA executes (`casa ... -c runpipeline.py PPR.xml`): the pipeline's runpipeline.py calls executeppr on the PPR named
# after the script (argv[argv.index('-c') + 2]). Here: the mini pipeline beside this file.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import mini_pipeline  # noqa: E402

mini_pipeline.execute(sys.argv, 'alma')
