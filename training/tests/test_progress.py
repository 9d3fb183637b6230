import contextlib
import io

import pytest

from training.cardtext import short_paths
from training.cli import main
from training.progress import MIN_GOODS, MIN_HELD_OUT_GOODS, data_warnings, epoch_line


def test_epoch_line_has_the_eta_from_the_mean_epoch_time():
    assert epoch_line(3, 40, 180.0) == 'epoch 3/40: 3.0 min so far, ETA 37.0 min'
    assert epoch_line(40, 40, 2400.0).endswith('ETA 0.0 min')


def test_data_warnings_below_either_bound_and_none_above():
    assert data_warnings(MIN_GOODS, MIN_HELD_OUT_GOODS) == []
    few = data_warnings(120, 6)
    assert len(few) == 2
    assert 'only 120 good images (< 200)' in few[0]
    assert 'only 6 held-out good images (< 50)' in few[1]
    assert len(data_warnings(5000, 40)) == 1


def test_card_command_has_no_absolute_paths():
    cmd = 'python3 -m training train --data /work/shared/datasets/casting/train/good --name x --exclude=/srv/a/b/c/list.txt'
    assert short_paths(cmd) == 'python3 -m training train --data casting/train/good --name x --exclude=b/c/list.txt'
    assert short_paths(None) is None


def test_help_shows_every_default_and_required_options():
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as e:
        main(['train', '--help'])
    assert e.value.code == 0
    text = ' '.join(out.getvalue().split())
    for s in ['--epochs EPOCHS (default: 40)', '--batch BATCH (default: 16)', '--name NAME (required)', '--limit LIMIT (default: none)', '--no-finalize (default: off)']:
        assert s in text, s
