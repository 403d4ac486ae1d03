#!/usr/bin/perl
# Reference findings for Carton snapshots, computed from the advisory
# database JSON with version.pm and the documented semantics, independently
# of the Rust code: an advisory entry affects version V of its distribution
# when one `affected_versions` string matches and no `fixed_versions` string
# does; a string is a comma-separated AND of clauses `OP VERSION` with OP one
# of < <= > >= == != =, where a bare VERSION and `=VERSION` mean `==`.
# A clause whose version does not parse makes the answer unknown ("U").
#
# Usage: findings.pl DB.json SNAPSHOT...  Output, one per line:
#   FILE \t DIST \t VERSION \t ID \t A|U
use strict;
use warnings;
use JSON::XS ();
use version ();
use CPAN::DistnameInfo ();

my ($db_file, @snapshots) = @ARGV;
my $db = do {
    open my $fh, '<:raw', $db_file or die "$db_file: $!";
    local $/;
    JSON::XS->new->decode(<$fh>);
};

# entries by the distribution each names
my %entries;
for my $key (sort keys %{ $db->{dists} }) {
    for my $e (@{ $db->{dists}{$key}{advisories} || [] }) {
        push @{ $entries{ $e->{distribution} // $key } }, $e;
    }
}

sub vparse {
    my ($s) = @_;
    my $v = eval { version->parse($s) };
    return $v;
}

# 1 match, 0 no match, undef unknown
sub range_matches {
    my ($range, $v) = @_;
    my $unknown = 0;
    for my $clause (split /,/, $range) {
        $clause =~ s/^\s+|\s+$//g;
        my ($op, $rv) = $clause =~ /^(<=|>=|==|!=|<|>|=)?\s*(\S+)$/ or return undef;
        $op = '==' if !defined $op || $op eq '=';
        my $w = vparse($rv);
        if (!defined $w) { $unknown = 1; next }
        my $c = $v <=> $w;
        my $ok = $op eq '<' ? $c < 0 : $op eq '<=' ? $c <= 0 : $op eq '>' ? $c > 0
               : $op eq '>=' ? $c >= 0 : $op eq '==' ? $c == 0 : $c != 0;
        return 0 unless $ok;
    }
    return $unknown ? undef : 1;
}

sub any_matches {
    my ($ranges, $v) = @_;
    my $unknown = 0;
    for my $r (@{ $ranges || [] }) {
        my $m = range_matches($r, $v);
        return 1 if defined $m && $m;
        $unknown = 1 if !defined $m;
    }
    return $unknown ? undef : 0;
}

for my $file (@snapshots) {
    open my $fh, '<', $file or die "$file: $!";
    my %seen;
    while (my $line = <$fh>) {
        next unless $line =~ /^\s+pathname:\s*(\S+)/;
        my $info = CPAN::DistnameInfo->new($1);
        my ($dist, $ver) = ($info->dist, $info->version);
        next unless defined $dist && defined $ver;
        next if $seen{$dist}++;
        my $v = vparse($ver) or next;
        my %verdict;
        for my $e (@{ $entries{$dist} || [] }) {
            my $fixed = any_matches($e->{fixed_versions}, $v);
            next if defined $fixed && $fixed;
            my $aff = any_matches($e->{affected_versions}, $v);
            my $kind = (defined $aff && $aff && defined $fixed) ? 'A'
                     : (defined $aff && !$aff) ? undef : 'U';
            next unless $kind;
            # entries sharing an id are one advisory: affected wins
            $verdict{ $e->{id} } = $kind if !$verdict{ $e->{id} } || $kind eq 'A';
        }
        print join("\t", $file, $dist, $ver, $_, $verdict{$_}), "\n" for sort keys %verdict;
    }
}
