"""argparse help that shows every option's default, including options declared without help text
(ArgumentDefaultsHelpFormatter skips those: `--epochs EPOCHS` showed no default)."""
import argparse
import copy

_BLANK = '\0'


class DefaultsFormatter(argparse.ArgumentDefaultsHelpFormatter):
    def _format_action(self, action):
        if action.help is None and action.option_strings:
            action = copy.copy(action)
            action.help = _BLANK  # argparse prints no help column at all for a None/blank help
        return super()._format_action(action)

    def _get_help_string(self, action):
        h = (action.help or '').replace(_BLANK, '')
        sep = ' ' if h else ''
        if not action.option_strings or action.default is argparse.SUPPRESS or '%(default)' in h:
            return h
        if action.required:
            return h if 'required' in h else f'{h}{sep}(required)'
        if action.default is None or action.default is False:
            if 'default' in h:  # the help already says what applies
                return h
            return f"{h}{sep}(default: {'off' if action.default is False else 'none'})"
        return f'{h}{sep}(default: %(default)s)'


def show_defaults(parser: argparse.ArgumentParser) -> None:
    """Give `parser` and every subcommand parser the formatter above."""
    parser.formatter_class = DefaultsFormatter
    for a in parser._actions:
        if isinstance(a, argparse._SubParsersAction):
            for sp in a.choices.values():
                show_defaults(sp)
