# A small stand-in for the CASA pipeline's executeppr, run by REAL modular CASA (casashell) in the real-CASA
# suite. It logs the way the pipeline's runners log (pipeline/infrastructure/executevlappr.py :160-228,
# executeppr.py :230-325): the log origin set to the command (casa_tools.set_log_origin), `Executing command
# ...<name>`, one `    Parameter: ...` line per argument, `Results ...`; failures as the task template and the
# runners report them (basetask.py :702-733: SEVERE `Error executing pipeline task <name>.` and the traceback
# as one SEVERE message; the errorexit marker of utils/ppr.py). The stages do real work with casatools and
# casatasks on a tiny MeasurementSet made with casatools.simulator, so CASA's own messages (its SEVERE lines,
# its `+` continuation lines, its task banners) are the real ones.
#
# Which failure a run shows is chosen by MINI_PIPELINE_SCENARIO (a test knob; the real pipeline has none).
import os
import sys
import tarfile
import time
import traceback
from xml.dom import minidom

from casatasks import applycal, casalog, exportfits, flagdata, flagmanager, gencal, tclean
from casatools import measures, simulator, table


class PipelineException(Exception):
    """pipeline.infrastructure.exceptions.PipelineException"""


def post(message, priority='INFO'):
    """casa_tools.post_to_log: the current origin, default priority INFO."""
    casalog.post(message, priority)
    sys.stdout.write(message + '\n')


def log_error(message, name):
    """The pipeline's LOG.error through its CASALogHandler (logging.py :87-102): origin 'pipeline', SEVERE."""
    if casalog.getOrigin() != 'pipeline':
        casalog.origin('pipeline')
    casalog.post(message, 'SEVERE', name)


def texts(node, tag):
    return [element.firstChild.data for element in node.getElementsByTagName(tag) if element.firstChild is not None]


def read_ppr(path):
    document = minidom.parse(path)
    request = document.getElementsByTagName('ProcessingRequest')[0]
    intents = {}
    for intent in request.getElementsByTagName('Intents'):
        keyword = texts(intent, 'Keyword')
        value = texts(intent, 'Value')
        if keyword and value:
            intents[keyword[0]] = value[0].lower() == 'true' if value[0].lower() in ('true', 'false') else value[0]
    commands = []
    for command in request.getElementsByTagName('ProcessingCommand'):
        parameters = {}
        for parameter in command.getElementsByTagName('Parameter'):
            parameters[texts(parameter, 'Keyword')[0]] = texts(parameter, 'Value')[0]
        commands.append((texts(command, 'Command')[0], parameters))
    relative = texts(request, 'RelativePath')[0]
    names = texts(request, 'SdmIdentifier') or texts(request, 'AsdmDiskName')
    return intents, commands, relative, names


def errorexit(working):
    """utils.write_errorexit_file: an empty errorexit-<UTC stamp>.txt in the working directory."""
    name = os.path.join(working, 'errorexit-%s.txt' % time.strftime('%Y%m%dT%H%M%S', time.gmtime()))
    open(name, 'w').close()
    return name


class Run:
    def __init__(self, working, rawdata, names, scenario):
        self.working = working
        self.rawdata = rawdata
        self.names = names
        self.scenario = scenario
        self.products = os.path.abspath(os.path.join(os.getcwd(), '..', 'products'))
        self.vis = [name + '.ms' for name in names]
        self.caltables = []

    # --- the stages: real CASA work on a tiny MeasurementSet ---

    def importdata(self, args):
        for name, vis in zip(self.names, self.vis):
            source = os.path.join(self.rawdata, name)
            if not os.path.exists(source):
                raise IOError('No such file or directory: %s' % source)
            make_ms(vis)
            post('Imported %s as %s' % (name, vis))

    def hanning(self, args):
        post('Hanning smoothing %s' % ', '.join(self.vis))

    def flagdata(self, args):
        for vis in self.vis:
            flagdata(vis=vis, mode='manual', spw='0:3', flagbackup=False)
            flagmanager(vis=vis, mode='save', versionname='Pipeline_Final')

    def priorcals(self, args):
        for vis in self.vis:
            table_name = vis + '.hifv_priorcals.s5_1.gc.tbl'
            # hifv_priorcals makes its gain curve, opacity and antenna position tables with gencal.
            gencal(vis=vis, caltable=table_name, caltype='amp', parameter=[1.0])
            self.caltables.append(table_name)
        if self.scenario == 'handled-severe':
            # An error the pipeline handles and goes on from (it logs with LOG.error in hundreds of places):
            # a real task failure, logged, and the stage completes.
            try:
                applycal(vis=self.vis[0], gaintable=['missing.gc.tbl'])
            except Exception:
                log_error('Unable to compute the plots of the prior calibrations (applycal failed); continuing.', 'pipeline.hifv.tasks.priorcals.priorcals')

    def applycals(self, args):
        for vis in self.vis:
            gaintable = self.caltables if self.scenario != 'task-failure' else ['missing.gc.tbl']
            applycal(vis=vis, gaintable=gaintable)

    def exportdata(self, args):
        os.makedirs(self.products, exist_ok=True)
        with tarfile.open(os.path.join(self.products, 'unknown.session_1.caltables.tgz'), 'w:gz') as tar:
            for table_name in self.caltables:
                tar.add(table_name)
        for vis in self.vis:
            with tarfile.open(os.path.join(self.products, vis + '.flagversions.tgz'), 'w:gz') as tar:
                tar.add(vis + '.flagversions')
        weblog = 'pipeline-%s' % time.strftime('%Y%m%dT%H%M%S', time.gmtime())
        os.makedirs(os.path.join(weblog, 'html'), exist_ok=True)
        with open(os.path.join(weblog, 'html', 'index.html'), 'w') as index:
            index.write('<html><body>mini pipeline</body></html>\n')
        with tarfile.open(os.path.join(self.products, 'weblog.tgz'), 'w:gz') as tar:
            tar.add(weblog)
        post('Exported the products to %s' % self.products)

    def restoredata(self, args):
        # hifv_restoredata reads ../products and writes the restored MS into working/; nothing into products.
        archives = [name for name in sorted(os.listdir(self.products)) if name.endswith('.caltables.tgz')]
        if not archives:
            raise IOError('No calibration tables archive in %s' % self.products)
        tables = []
        with tarfile.open(os.path.join(self.products, archives[0])) as tar:
            tar.extractall('.')
            tables = sorted({member.name.split('/')[0] for member in tar.getmembers()})
        for vis in self.vis:
            make_ms(vis)
            applycal(vis=vis, gaintable=tables)

    def makeimages(self, args):
        os.makedirs(self.products, exist_ok=True)
        for vis in self.vis:
            stem = 'oussid.J1331+3030_sci.X_band.cont.I.iter0'
            tclean(vis=vis, imagename=stem, imsize=[32, 32], cell='4arcsec', niter=0, specmode='mfs')
            exportfits(imagename=stem + '.image', fitsimage=os.path.join(self.products, stem + '.image.fits'), overwrite=True)


STAGES = {
    'hifv_importdata': Run.importdata,
    'hifa_importdata': Run.importdata,
    'hifv_hanning': Run.hanning,
    'hifv_flagdata': Run.flagdata,
    'hifa_flagdata': Run.flagdata,
    'hifv_priorcals': Run.priorcals,
    'hifa_timegaincal': Run.priorcals,
    'hifv_applycals': Run.applycals,
    'hif_applycal': Run.applycals,
    'hifv_exportdata': Run.exportdata,
    'hifa_exportdata': Run.exportdata,
    'hifv_restoredata': Run.restoredata,
    'hif_makeimages': Run.makeimages,
}


def make_ms(vis):
    """A MeasurementSet of four VLA antennas, one spectral window of four channels, two minutes."""
    me = measures()
    sm = simulator()
    sm.open(vis)
    sm.setconfig(telescopename='VLA', x=[0.0, 100.0, 0.0, -80.0], y=[0.0, 0.0, 120.0, -60.0], z=[0.0] * 4,
                 dishdiameter=[25.0] * 4, mount=['alt-az'] * 4, antname=['ea01', 'ea02', 'ea03', 'ea04'],
                 padname=['N1', 'N2', 'N3', 'N4'], coordsystem='local', referencelocation=me.observatory('VLA'))
    sm.setspwindow(spwname='X', freq='8.4GHz', deltafreq='2MHz', freqresolution='2MHz', nchannels=4, stokes='RR LL')
    sm.setfield(sourcename='J1331+3030', sourcedirection=me.direction('J2000', '13h31m08.3s', '+30d30m33s'))
    sm.setfeed(mode='perfect R L')
    sm.setlimits(shadowlimit=0.001, elevationlimit='10deg')
    sm.setauto(autocorrwt=0.0)
    sm.settimes(integrationtime='10s', usehourangle=True, referencetime=me.epoch('utc', '2024/01/01/00:00:00'))
    sm.observe('J1331+3030', 'X', starttime='0s', stoptime='120s')
    sm.close()
    # A point source of 1 Jy at the phase centre: every visibility is 1.
    tb = table()
    tb.open(vis, nomodify=False)
    data = tb.getcol('DATA')
    data[:] = 1.0
    tb.putcol('DATA', data)
    for column in ('WEIGHT', 'SIGMA'):
        values = tb.getcol(column)
        values[:] = 1.0
        tb.putcol(column, values)
    tb.close()


def execute(argv, telescope):
    """executevlappr / executeppr, reduced to what shows in the log, the markers and the exit status."""
    # The runners take argv[argv.index('-c') + 2] (monolithic CASA keeps its own arguments in sys.argv);
    # modular casashell hands the script only [script, its arguments...].
    ppr = argv[argv.index('-c') + 2] if '-c' in argv else argv[1]
    scenario = os.environ.get('MINI_PIPELINE_SCENARIO', 'success')
    module = 'executevlappr' if telescope == 'vla' else 'executeppr'
    casalog.origin('')
    post('Analyzing pipeline processing request ...')
    intents, commands, relative, names = read_ppr(ppr)
    root = os.environ.get('SCIPIPE_ROOTDIR')
    working = os.path.join(root, relative, 'working') if root else os.path.join('..', 'working')
    rawdata = os.path.join(root, relative, 'rawdata') if root else os.path.join('..', 'rawdata')
    post('Starting procedure execution ...')
    run = Run(working, rawdata, names, scenario)
    for index, (name, args) in enumerate(commands):
        casalog.origin(name)
        if name == 'breakpoint':
            post('Found %s, not performing any action.' % name)
            continue
        post('Executing command ...' + name)
        for keyword, value in args.items():
            post('    Parameter: ' + keyword + ' = ' + repr(value))
        if intents.get('SPECTRAL_MODE', False) and name == 'hifv_hanning':
            post('SPECTRAL_MODE=True.  Hanning smoothing will not be executed.')
            continue
        if scenario == 'marker' and index == len(commands) // 2:
            # A failure the runner catches quietly: the marker, the run stops, CASA exits 0 (VLA).
            post('Unhandled error in %s while running pipeline task %s' % (module, name))
            post('Traceback (most recent call last):\n  File "pipeline/infrastructure/%s.py", line 195, in executeppr\nOSError: the stage found nothing to work on' % module)
            errorexit(working)
            break
        if scenario == 'raise' and index == len(commands) // 2:
            # What no `try` of the runners catches (a value castType left an int, added to a str): the
            # exception reaches CASA, which exits 1; no marker.
            raise TypeError('can only concatenate str (not "int") to str')
        try:
            STAGES.get(name, lambda run, args: post('Nothing to do for %s' % name))(run, args)
        except Exception as ex:
            # The task template turns the exception into a failed result and logs it (basetask.py :702-733).
            log_error('Error executing pipeline task %s.' % name, 'pipeline.infrastructure.basetask')
            log_error(traceback.format_exc(), 'pipeline.infrastructure.basetask')
            errorexit(working)
            casalog.origin('')
            if telescope == 'alma':
                # executeppr.py :300-316: the marker, then PipelineException: CASA exits 1.
                raise PipelineException(str(ex))
            break
        casalog.origin(name)
        post('Results [%s]' % name)
    casalog.origin('')
    post('Terminating procedure execution ...')
