"""CSV files a spreadsheet will open: no cell we write is ever read as a formula."""

import csv

# A spreadsheet treats a cell starting with one of these as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: str) -> str:
    """Prefixes a single quote, which spreadsheets read as 'this cell is text'. Ordinary
    scripts start with an @mention, so they are affected too; the quote shows, the text
    stays whole."""
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SpreadsheetSafeWriter(csv.DictWriter):
    """A DictWriter whose every text cell is neutralized."""

    def writerow(self, rowdict):
        return super().writerow(
            {
                key: neutralize(value) if isinstance(value, str) else value
                for key, value in rowdict.items()
            }
        )

    def writerows(self, rowdicts):
        for rowdict in rowdicts:
            self.writerow(rowdict)
